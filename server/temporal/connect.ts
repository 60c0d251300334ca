import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

const hint = (address: string) =>
  `Cannot reach Temporal at ${address}. Is the server running? Set TEMPORAL_ADDRESS to a reachable server, or unset it to let \`npm start\` run a development server.`;

/** The client connection the API uses to start workflows. */
export async function connectClient(
  address: string,
  namespace: string,
  interceptors: WorkflowClientInterceptor[] = [],
): Promise<Client> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: '10s' });
    return new Client({ connection, namespace, interceptors: { workflow: interceptors } });
  } catch (error) {
    throw new Error(hint(address), { cause: error });
  }
}

/** The worker's connection (Rust core). */
export async function connectWorker(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (error) {
    throw new Error(hint(address), { cause: error });
  }
}
