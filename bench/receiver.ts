import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ReceiverStats {
  requests: number;
  /** [path, event id, attempt, arrival time in ns (hrtime)] */
  arrivals: Array<[string, string, number, string]>;
}

export interface BenchReceiver {
  url: string;
  pid: number;
  /** Requests whose path starts with `prefix`. */
  stats(prefix: string): Promise<ReceiverStats>;
  stop(): Promise<void>;
}

/** Starts the receiver process and talks to it over IPC. */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./receiver-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type: string; port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  let queue = Promise.resolve<unknown>(undefined);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stats: (prefix) => {
      const next = queue.then(
        () =>
          new Promise<ReceiverStats>((resolve) => {
            child.once('message', (message: ReceiverStats & { type: string }) => resolve(message));
            child.send({ type: 'stats', prefix });
          }),
      );
      queue = next;
      return next;
    },
    stop: async () => {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
