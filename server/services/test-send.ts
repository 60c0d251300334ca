import type { DeliveryHttpClient } from '../delivery/delivery-http-client.js';
import type { SecretBox } from '../delivery/secret-box.js';
import { type AttemptDeps, runAttempts } from '../delivery/run-attempts.js';
import type { DeliveryPolicy } from '../delivery/policy.js';
import { TEST_SEND_OWNER } from '../../workflows/shared.js';
import { isWildcard, patternMatches } from '../db/subscription-patterns.js';
import { sampleData } from '../catalog/sample-data.js';
import { filterAdmits } from '../delivery/payload-filter.js';
import type { Db } from '../db/database.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { newId } from '../db/ids.js';
import { createDeliveriesForEvents } from '../db/queries/deliveries.js';
import { insertEventsIfNew } from '../db/queries/events.js';
import { findWebhook } from '../db/queries/webhooks.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { type Catalog, checkPublishable, loadCatalog } from './catalog.js';

const MAX_TESTS = 25;

export interface TestReport {
  startedAt: string;
  testsRun: number;
  testsSucceeded: number;
  testsFailed: number;
  tests: Array<{
    eventType: string;
    deliveryId: string;
    status: 'succeeded' | 'failed';
    statusCode: number | null;
    durationMs: number;
    error?: string | undefined;
    responseExcerpt: string | null;
    /** The webhook's payload filter would have kept this sample from it; the test sends it anyway. */
    filteredOut: boolean;
  }>;
}

/**
 * "Test a webhook": one synthetic event per type (the given one, or every type the webhook subscribes
 * to), flagged `"test": true`, signed like any delivery and sent once, now, without retries. The attempts are
 * recorded with trigger `test`, so they show in the delivery log; a disabled webhook can be tested too.
 *
 * A test ignores the webhook's payload filter: it checks the endpoint, and the samples are whatever the catalog
 * gives. Each test says whether the filter would have kept its sample out (`filteredOut`).
 */
export async function testWebhook(
  deps: {
    db: Db;
    http: DeliveryHttpClient;
    userAgent: string;
    secrets: SecretBox;
    deliveryPolicy: DeliveryPolicy;
    observe?: AttemptDeps['observe'];
    traceAttempt?: AttemptDeps['traceAttempt'];
  },
  actor: Actor,
  input: { id: string; eventType?: string | undefined },
): Promise<TestReport> {
  const startedAt = new Date();
  const scope = actor.principal;
  const prepared = await deps.db.transaction().execute(async (trx) => {
    const webhook = await findWebhook(trx, scope, input.id);
    if (!webhook) throw new NotFoundError('Webhook', input.id);
    const catalog = await loadCatalog(trx, scope.workspaceId);
    if (input.eventType && !webhook.events.some((pattern) => patternMatches(pattern, input.eventType!))) {
      throw InvalidInputError.at(
        ['eventType'],
        `webhook ${webhook.id} does not subscribe to ${input.eventType}; it subscribes to ${webhook.events.join(', ')}`,
      );
    }
    const types = input.eventType ? [input.eventType] : testTypes(webhook.events, catalog);
    const events = types.map((type) => {
      const data = sampleData(catalog.types.get(type));
      checkPublishable(catalog, { type, data }, ['eventType']);
      const filteredOut = webhook.payload_filter !== null && !filterAdmits(webhook.payload_filter, { type, data });
      return { id: newId('event'), type, payloadJson: JSON.stringify(data), filteredOut };
    });
    await insertEventsIfNew(trx, scope, events, { test: true });
    // Sent by this process, now, with no workflow: if it dies mid-send, the reconciler settles them as failed.
    const deliveries = await createDeliveriesForEvents(
      trx,
      scope,
      events.map((event) => ({ ...event, owner: TEST_SEND_OWNER })),
      { onlyWebhookId: webhook.id },
    );
    await audit(trx, actor, {
      action: 'webhooks.test',
      entityType: 'webhook',
      entityId: webhook.id,
      after: { eventTypes: types },
    });
    return events.map((event) => ({ event, delivery: deliveries.get(event.id)![0]! }));
  });

  const policy = { ...deps.deliveryPolicy, retryScheduleMs: [0] };
  const tests = await Promise.all(
    prepared.map(async ({ event, delivery }) => {
      const run = await runAttempts(deps, {
        range: { scope, eventId: event.id, fromId: delivery.id, toId: delivery.id, owner: TEST_SEND_OWNER },
        maxCount: 1,
        policy,
        trigger: 'test',
        seriesStart: 0,
        requestId: actor.requestId ?? undefined,
      });
      const result = run.kind === 'done' ? run.results[0] : undefined;
      return {
        eventType: event.type,
        deliveryId: delivery.id,
        status: result?.ok ? ('succeeded' as const) : ('failed' as const),
        statusCode: result?.statusCode ?? null,
        durationMs: result?.durationMs ?? 0,
        ...(result?.ok ? {} : { error: result?.error ?? 'not sent: the webhook was deleted' }),
        responseExcerpt: result?.responseExcerpt ?? null,
        filteredOut: event.filteredOut,
      };
    }),
  );
  const succeeded = tests.filter((t) => t.status === 'succeeded').length;
  return {
    startedAt: startedAt.toISOString(),
    testsRun: tests.length,
    testsSucceeded: succeeded,
    testsFailed: tests.length - succeeded,
    tests,
  };
}

/** The concrete types to test a webhook with: its exact subscriptions, and for wildcards the catalog's matches. */
function testTypes(patterns: string[], catalog: Catalog): string[] {
  const live = [...catalog.types.values()].filter((t) => !t.archived).map((t) => t.name);
  const types = patterns.flatMap((pattern) => {
    if (!isWildcard(pattern)) return [pattern];
    if (catalog.enforced) return live.filter((name) => patternMatches(pattern, name));
    return [pattern === '*' ? 'herald.test' : `${pattern.slice(0, -1)}test`];
  });
  return [...new Set(types)].slice(0, MAX_TESTS);
}
