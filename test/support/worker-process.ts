import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../server/config.js';
import { waitFor } from './wait-for.js';

export interface WorkerProcess {
  process: ChildProcess;
  /** Everything it printed, for diagnosing a failed test. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs `herald worker` (the production entry point) as its own process, so a test can kill it the way a crash or a
 * deploy would. Resolves once the worker is polling.
 */
export async function startWorkerProcess(env: Environment): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', 'worker'], {
    cwd: root,
    // info level: the start-up line below is how the test knows the worker is polling.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  await waitFor(
    () => {
      if (hasExited) throw new Error(`worker exited during start-up:\n${output}`);
      return output.includes('herald worker started');
    },
    { timeoutMs: 60_000, what: 'the worker process to start' },
  );
  return { process: child, output: () => output, exited };
}
