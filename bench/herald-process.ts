import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface HeraldProcess {
  url: string;
  pid: number;
  /** Resident set size of the Herald process (API and worker), in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Herald as `npm start` runs it (API and worker in one process), pointed at the benchmark's Postgres and Temporal;
 * or, with `role: 'worker'`, one more worker process on the same task queue.
 */
export async function startHeraldProcess(
  env: Record<string, string>,
  role: 'start' | 'worker' = 'start',
): Promise<HeraldProcess> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', role], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: role === 'worker' ? 'info' : 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API\s+(http:\/\/\S+)\/trpc/.exec(output);
      if (match) resolve(match[1]!);
      if (role === 'worker' && output.includes('herald worker started')) resolve('');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`Herald exited (${code}) during start-up:\n${output}`)));
  });
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[herald] ${chunk}`));
  return {
    url,
    pid: child.pid!,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
