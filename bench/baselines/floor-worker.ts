import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';

/** The floor's worker, in its own process like Herald's: SDK defaults, no-op activities. argv: address taskQueue namespace */
const [address, taskQueue, namespace] = process.argv.slice(2);
Runtime.install({ shutdownSignals: [] });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue: taskQueue!,
  namespace: namespace ?? 'default',
  workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)),
  activities: { noop: async () => undefined },
});
process.on('SIGTERM', () => worker.shutdown());
process.stdout.write('floor worker ready\n');
await worker.run();
await connection.close();
