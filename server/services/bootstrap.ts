import { sql } from 'kysely';
import { hashApiKey, modeOfKey } from '../auth/api-key-format.js';
import { permissions } from '../db/scope.js';
import type { Db } from '../db/database.js';
import { DEFAULT_WORKSPACE_ID } from '../db/tables/workspaces.table.js';
import { countApiKeys, findApiKeyByHash } from '../db/queries/api-keys.js';
import { addApiKey } from './api-keys.js';

export type Bootstrap = { kind: 'generated'; key: string } | { kind: 'from-environment' } | { kind: 'existing' };

/**
 * Makes sure someone can use a fresh installation: HERALD_ADMIN_KEY becomes a key of the default workspace with
 * every permission; without it, the very first start generates such a key, to be printed once. Serialised with an
 * advisory lock, so API processes starting together create one key, not several.
 */
export async function ensureBootstrapKey(deps: { db: Db }, adminKey: string | undefined): Promise<Bootstrap> {
  return deps.db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('herald.bootstrap-key'))`.execute(trx);
    const everything = { workspaceId: DEFAULT_WORKSPACE_ID, permissions: [...permissions] };
    if (adminKey) {
      if (!(await findApiKeyByHash(trx, hashApiKey(adminKey)))) {
        await addApiKey(trx, null, {
          ...everything,
          name: 'Admin key (HERALD_ADMIN_KEY)',
          mode: modeOfKey(adminKey) ?? 'live',
          key: adminKey,
        });
      }
      return { kind: 'from-environment' };
    }
    if ((await countApiKeys(trx)) > 0) return { kind: 'existing' };
    const { key } = await addApiKey(trx, null, { ...everything, name: 'Admin key (first start)', mode: 'live' });
    return { kind: 'generated', key };
  });
}
