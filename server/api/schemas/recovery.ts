import { z } from 'zod';
import { idOf, isoTimestamp } from './common.js';
import { sample } from './examples.js';

export const recoverInput = z
  .object({
    id: idOf('webhook', sample.webhookId),
    since: isoTimestamp.meta({
      description:
        'Redeliver what failed at or after this time; it must lie within the last 14 days, not in the future.',
      examples: [sample.createdAt],
    }),
  })
  .meta({ examples: [{ since: sample.createdAt }] });

export const recoverySchema = z
  .object({
    id: z.string().meta({ description: 'Starts with `rec_`.' }),
    webhookId: z.string(),
    since: isoTimestamp,
    state: z.enum(['running', 'completed', 'cancelled', 'failed']),
    progress: z
      .object({
        total: z.number().int(),
        processed: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
      })
      .nullable()
      .meta({
        description:
          'How far it got: the failed deliveries in range when it began, how many it has redelivered, and how those went.',
      }),
  })
  .meta({
    id: 'Recovery',
    description: 'A background redelivery of the deliveries a webhook failed since a time.',
    examples: [
      {
        id: sample.recoveryId,
        webhookId: sample.webhookId,
        since: sample.createdAt,
        state: 'running',
        progress: { total: 120, processed: 40, succeeded: 38, failed: 2 },
      },
    ],
  });

export const recoveryStartedSchema = z
  .object({
    id: z.string().meta({ description: 'The recovery; follow it at `GET /recoveries/{id}`.' }),
    webhookId: z.string(),
    since: z.string(),
    state: z.literal('running'),
  })
  .meta({
    id: 'RecoveryStarted',
    description: 'A recovery that has just started.',
    examples: [{ id: sample.recoveryId, webhookId: sample.webhookId, since: sample.createdAt, state: 'running' }],
  });
