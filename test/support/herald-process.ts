import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../server/config.js';
import { waitFor } from './wait-for.js';

export type HeraldCommand = 'start' | 'api' | 'worker';

export interface HeraldProcess {
  process: ChildProcess;
  pid: number;
  /** The API's base URL, once `start` or `api` has said where it listens. */
  url: string | undefined;
  /** Everything it printed, for diagnosing a failed test. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What each command prints once it is ready. */
const readiness: Record<HeraldCommand, RegExp> = {
  start: /is ready in/,
  api: /herald api started/,
  worker: /herald worker started/,
};

/**
 * Runs a Herald command (the production entry point) as its own process, so a test can signal or kill it the
 * way a terminal, a supervisor or a crash would. With `processGroup`, it leads a process group of its own, as a
 * shell's foreground job does, so the test can signal the whole group. Resolves once the command is ready,
 * unless `ready: false` (for starts that are expected to fail).
 */
export async function startHerald(
  command: HeraldCommand,
  env: Environment,
  options: { processGroup?: boolean; ready?: boolean; timeoutMs?: number } = {},
): Promise<HeraldProcess> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', command], {
    cwd: root,
    // info level: the readiness lines are log lines for `api` and `worker`.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup ?? false,
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedWith = code ?? signal ?? 'unknown';
      resolve(exitedWith);
    }),
  );
  const herald: HeraldProcess = {
    process: child,
    pid: child.pid!,
    url: undefined,
    output: () => output,
    exited,
    hasExited: () => exitedWith !== undefined,
  };
  if (options.ready === false) return herald;
  const ready = waitFor(() => readiness[command].test(output) || exitedWith !== undefined, {
    timeoutMs: options.timeoutMs ?? 90_000,
    what: `herald ${command} to be ready`,
  });
  await ready;
  if (exitedWith !== undefined) throw new Error(`herald ${command} exited (${exitedWith}) during start-up:\n${output}`);
  herald.url = /(?:API\s+|"apiUrl":")(http:\/\/[^/\s"]+)/.exec(output)?.[1];
  return herald;
}
