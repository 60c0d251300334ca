import { msToTs } from '@temporalio/common/lib/time.js';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import { connectClient } from '../temporal/connect.js';
import { ensureSearchAttributes } from '../temporal/search-attributes.js';

/** gRPC's status code for a namespace that does not exist. */
const GRPC_NOT_FOUND = 5;

/**
 * `herald temporal setup`: prepares a real Temporal cluster for Herald, idempotently. Checks that the namespace
 * exists (creating it with `--create-namespace`, keeping closed workflows for `--retention`), then registers
 * Herald's search attributes that are missing. Needs operator rights on the cluster; run it once per namespace,
 * before the first start (Herald's processes check both at start and say what is missing).
 */
export async function temporalSetupCommand(
  config: Config,
  options: { createNamespace: boolean; retentionDays: number },
  print: (line: string) => void,
): Promise<void> {
  const address = config.temporal.address;
  if (!address) throw new ConfigError('herald temporal setup needs TEMPORAL_ADDRESS (the cluster to prepare).');
  const { namespace } = config.temporal;
  const client = await connectClient(address, namespace);
  try {
    try {
      await client.workflowService.describeNamespace({ namespace });
      print(`namespace ${namespace}: exists`);
    } catch (error) {
      if ((error as { code?: number }).code !== GRPC_NOT_FOUND) throw error;
      if (!options.createNamespace)
        throw new Error(
          `namespace ${namespace} does not exist on ${address}: run again with --create-namespace, or create it with \`temporal operator namespace create --namespace ${namespace}\``,
          { cause: error },
        );
      await client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays}d`),
      });
      print(`namespace ${namespace}: created, keeping closed workflows ${options.retentionDays} days`);
    }
    const added = await untilNamespaceKnown(() => ensureSearchAttributes(client, namespace), print);
    print(
      added.length > 0
        ? `search attributes: registered ${added.join(', ')}`
        : 'search attributes: all of Herald’s are registered',
    );
  } finally {
    await client.connection.close();
  }
}

/**
 * A namespace just created takes a few seconds to reach every part of the cluster (each service caches the list),
 * and until then calls about it answer NOT_FOUND: retried for up to 60 s.
 */
async function untilNamespaceKnown<T>(call: () => Promise<T>, print: (line: string) => void): Promise<T> {
  const deadline = Date.now() + 60_000;
  let told = false;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const notFound = /NOT_FOUND|not found/i.test(String((error as { cause?: Error }).cause?.message ?? error));
      if (!notFound || Date.now() > deadline) throw error;
      if (!told) print('waiting for the new namespace to reach the whole cluster…');
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
