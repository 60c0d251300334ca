import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { openSync, closeSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';

/**
 * The servers `npm start` and the tests run (Postgres, the Temporal dev server) as child processes of their own.
 *
 * Each runs in its own process group, so the Ctrl-C a terminal sends to Herald's foreground group never reaches
 * them: Herald stops them itself, last, after the worker has drained. Their output goes to a log file, so they
 * never depend on Herald's pipes. If Herald dies without stopping them (SIGKILL), the next start finds them by
 * their command line and stops them before starting anew.
 */
export interface ServerProcess {
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** Asks it to stop with `signal`, waits up to `graceMs`, then kills it. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

const run = promisify(execFile);
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whatever still runs when Herald's process exits (a forced stop, a crash) is killed with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function startServerProcess(args: {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  uid?: number | undefined;
  gid?: number | undefined;
}): ServerProcess {
  installExitHook();
  const log = openSync(args.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(args.command, args.args, {
      // A process group of its own: the terminal's signals to Herald's group pass it by.
      detached: true,
      stdio: ['ignore', log, log],
      env: args.env ?? process.env,
      ...(args.uid !== undefined ? { uid: args.uid, gid: args.gid } : {}),
    });
  } finally {
    closeSync(log);
  }
  let exitedWith: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      exitedWith = code ?? signal ?? 'unknown';
      resolve(exitedWith);
    });
    child.once('error', (error) => {
      running.delete(child);
      exitedWith = error.message;
      resolve(exitedWith);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${args.command}`);
  running.add(child);
  // Herald may exit while this runs (the exit hook then kills it); it must not keep Herald alive by itself.
  child.unref();
  return {
    pid: child.pid,
    exited,
    hasExited: () => exitedWith !== undefined,
    async stop(signal, graceMs) {
      if (exitedWith !== undefined) return;
      signalGroup(child.pid!, signal);
      const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The last lines of a server's log file, to explain why it did not start. */
export function logTail(logFile: string, bytes = 2_000): string {
  try {
    return readFileSync(logFile, 'utf8').slice(-bytes).trim();
  } catch {
    return '(no output)';
  }
}

/**
 * Stops servers that an earlier Herald left running (it was killed before it could stop them), found by their
 * command line, which names their data folder or port: Herald may have died before it could record a pid.
 * Returns the pids it stopped.
 */
export async function stopLeftovers(args: {
  /** True for a command line this Herald would have started. */
  matches: (commandLine: string) => boolean;
  /** How the server likes to be asked to stop (Postgres: SIGINT, a fast shutdown). */
  signal: NodeJS.Signals;
  say: (m: string) => void;
}): Promise<number[]> {
  const pids = (await listProcesses())
    .filter((p) => p.pid !== process.pid && args.matches(p.commandLine))
    .map((p) => p.pid);
  if (pids.length === 0) return [];
  args.say(
    `Stopping ${pids.length === 1 ? 'a server' : 'servers'} left running by an earlier Herald (pid ${pids.join(', ')})…`,
  );
  for (const pid of pids) signalProcess(pid, args.signal);
  const deadline = Date.now() + 30_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const pid of pids.filter(isAlive)) signalProcess(pid, 'SIGKILL');
  return pids;
}

async function listProcesses(): Promise<Array<{ pid: number; commandLine: string }>> {
  try {
    const { stdout } = await run('ps', ['-eo', 'pid=,args='], { maxBuffer: 16 * 1024 * 1024 });
    return stdout
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ pid: Number(match[1]), commandLine: match[2]! }));
  } catch {
    return [];
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

export async function readPid(pidFile: string): Promise<number | undefined> {
  const text = await fs.readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
