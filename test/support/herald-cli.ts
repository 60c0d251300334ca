import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository's root: the CLI runs from its sources there, as `npx herald` does in a clone. */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `herald <args>` as its own process from the sources, with a bare environment (PATH and HOME only) plus
 * `env`, so nothing of the test process's configuration leaks in; resolves with the exit code and the output.
 */
export function runHerald(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', ...args],
      {
        cwd: repositoryRoot,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
