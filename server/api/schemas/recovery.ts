import { z } from 'zod';
import { isoTimestamp, resourceId } from './common.js';

export const recoverInput = z.object({ id: resourceId, since: isoTimestamp });

export const recoverySchema = z
  .object({
    id: z.string(),
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
      .nullable(),
  })
  .meta({ id: 'Recovery' });
