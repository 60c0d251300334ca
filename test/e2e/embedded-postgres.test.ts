import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../server/dev-stack/embedded-postgres.js';
import { freePort } from '../../server/dev-stack/ports.js';
import { relocatedDataDir } from '../../server/dev-stack/postgres-as-root.js';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
});

describe('the embedded Postgres', () => {
  it('starts from a folder only its owner may enter (a clone under /root, a mktemp -d folder)', async () => {
    const private0700 = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-private-'));
    made.push(private0700);
    expect((await fs.stat(private0700)).mode & 0o777).toBe(0o700);
    const dataDir = path.join(private0700, 'state', 'postgres');
    const lines: string[] = [];
    const postgres = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      durable: false,
      log: (line) => lines.push(line),
    });
    try {
      const client = new pg.Client({ connectionString: postgres.urlFor('postgres') });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await postgres.stop();
    }
    if (os.userInfo().uid === 0) {
      // Postgres runs as the postgres user, which cannot enter the folder: the cluster lives where it can, and
      // the person at the terminal is told where.
      made.push(relocatedDataDir(dataDir));
      expect(lines.join('\n')).toContain(`the embedded cluster's data lives in ${relocatedDataDir(dataDir)}`);
      expect(await fs.stat(path.join(relocatedDataDir(dataDir), 'PG_VERSION'))).toBeTruthy();
    } else {
      expect(await fs.stat(path.join(dataDir, 'PG_VERSION'))).toBeTruthy();
    }
    // The folder was not opened up to anyone.
    expect((await fs.stat(private0700)).mode & 0o777).toBe(0o700);
  });
});
