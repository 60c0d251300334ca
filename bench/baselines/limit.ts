import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface LimitResult {
  deliveries: number;
  seconds: number;
  rate: number;
  concurrency: number;
}

/** Runs L, the bare sign + POST + insert loop, in its own process at the given concurrency. */
export async function measureLimit(args: {
  databaseUrl: string;
  receiverUrl: string;
  deliveries: number;
  concurrency: number;
}): Promise<LimitResult> {
  const script = fileURLToPath(new URL('./limit-loop.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', script, args.databaseUrl, args.receiverUrl, String(args.deliveries), String(args.concurrency)],
    { maxBuffer: 1 << 20 },
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<LimitResult, 'concurrency'>;
  if (result.deliveries !== args.deliveries)
    throw new Error(`L recorded ${result.deliveries} of ${args.deliveries} deliveries`);
  return { ...result, concurrency: args.concurrency };
}
