import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { resealHeaders } from '../delivery/custom-headers.js';
import type { SecretBox } from '../delivery/secret-box.js';

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format, so it can sign that way too. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Webhooks looked at per statement while resealing. */
const RESEAL_PAGE = 500;

/**
 * Seals every stored secret and custom-header set that is plaintext (stored before sealing existed) or sealed with
 * an older key, with the current key. Runs at every start; cheap when there is nothing to do. Safe to run in several
 * processes at once: each row is only replaced while it still holds what was read.
 */
export async function resealSecrets(db: Db, box: SecretBox): Promise<number> {
  let resealed = 0;
  let afterId = '';
  for (;;) {
    const rows = await db
      .selectFrom('webhooks')
      .select(['id', 'secret', 'previous_secret', 'custom_headers'])
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(RESEAL_PAGE)
      .execute();
    if (rows.length === 0) return resealed;
    afterId = rows[rows.length - 1]!.id;
    const reseal = (value: string | null) => (value === null ? null : box.seal(box.open(value)));
    for (const row of rows) {
      const headers = resealHeaders(box, row.custom_headers);
      const stale =
        headers !== undefined ||
        [row.secret, row.previous_secret].some((value) => value !== null && box.needsResealing(value));
      if (!stale) continue;
      await db
        .updateTable('webhooks')
        .set({
          secret: reseal(row.secret)!,
          previous_secret: reseal(row.previous_secret),
          custom_headers: headers ?? row.custom_headers,
        })
        .where('id', '=', row.id)
        .where('secret', '=', row.secret)
        .where(sql<boolean>`previous_secret IS NOT DISTINCT FROM ${row.previous_secret}`)
        .where(sql<boolean>`custom_headers IS NOT DISTINCT FROM ${row.custom_headers}`)
        .execute();
      resealed += 1;
    }
  }
}
