import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Postgres refuses to run as root, so when Herald runs as root (a container, a CI machine) the embedded cluster runs
 * as the `postgres` system user, created if missing. That user must be able to reach both the binaries and the data
 * folder. A clone under /root, or any `mktemp -d` folder, is mode 0700 and it cannot: then the binaries are copied,
 * once, and the data kept, under /var/lib/herald, which it can reach; Herald finds both there on every start.
 */
export interface PostgresUser {
  uid: number;
  gid: number;
}

const RELOCATED_ROOT = '/var/lib/herald';

/** The user to run Postgres as: undefined when Herald does not run as root (Postgres then runs as Herald's user). */
export async function postgresUser(): Promise<PostgresUser | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await run('groupadd', ['-f', 'postgres']).catch(() => undefined);
    await run('useradd', ['-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']).catch(
      (error: Error) => {
        throw new Error(`Postgres cannot run as root, and creating a postgres system user failed: ${error.message}`);
      },
    );
    return lookup();
  }
}

/** Whether `user` can walk down to `target` (execute permission on every folder on the way). */
export async function canReach(user: PostgresUser, target: string): Promise<boolean> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    let stat;
    try {
      stat = await fs.stat(dir);
    } catch {
      return true; // does not exist yet: it will be created for the user
    }
    if (!stat.isDirectory()) continue;
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return false;
  }
  return true;
}

/**
 * Where the `postgres` user can run the binaries from: their own folder if it can reach it, or a copy made once
 * under /var/lib/herald (about 60 MB).
 */
export async function reachableBinaries(
  user: PostgresUser,
  nativeDir: string,
  version: string,
  log: (m: string) => void,
): Promise<string> {
  if (await canReach(user, path.join(nativeDir, 'bin'))) return nativeDir;
  const copy = path.join(RELOCATED_ROOT, `postgres-${version}`);
  if (await exists(path.join(copy, 'bin', 'postgres'))) return copy;
  log(`The postgres system user cannot reach ${nativeDir}; copying the Postgres binaries to ${copy} (once)…`);
  await fs.mkdir(RELOCATED_ROOT, { recursive: true, mode: 0o755 });
  const staging = `${copy}.${process.pid}`;
  await fs.cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  await fs.chmod(staging, 0o755);
  await fs.rename(staging, copy);
  return copy;
}

/** Where the cluster's data lives: `dataDir` if the `postgres` user can reach it, else a folder of its own for it. */
export function relocatedDataDir(dataDir: string): string {
  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(RELOCATED_ROOT, 'clusters', key);
}

export async function reachableDataDir(user: PostgresUser, dataDir: string, log: (m: string) => void): Promise<string> {
  if (await canReach(user, dataDir)) return dataDir;
  const elsewhere = relocatedDataDir(dataDir);
  log(
    `The postgres system user cannot enter ${path.dirname(dataDir)}; the embedded cluster's data lives in ${elsewhere} instead.`,
  );
  await fs.mkdir(path.dirname(elsewhere), { recursive: true, mode: 0o755 });
  return elsewhere;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
