import { createHeraldClient, type HeraldClient } from '../../client/index.js';
import { permissions, type Permission } from '../../server/db/scope.js';
import type { TestHerald } from './herald.js';

export interface KeyClient {
  id: string;
  key: string;
  client: HeraldClient;
}

/** A new API key made with the admin key, and a client that uses it. */
export async function keyClient(
  herald: TestHerald,
  input: { permissions: Permission[]; mode?: 'live' | 'test'; workspaceId?: string; name?: string },
): Promise<KeyClient> {
  const created = await herald.client.apiKeys.create.mutate({
    name: input.name ?? input.permissions.join(' '),
    permissions: input.permissions,
    mode: input.mode ?? 'live',
    workspaceId: input.workspaceId,
  });
  return { id: created.id, key: created.key, client: createHeraldClient({ url: herald.url, apiKey: created.key }) };
}

/** A new workspace, with a key holding every permission in it. */
export async function workspaceWithKey(herald: TestHerald, name: string, mode: 'live' | 'test' = 'live') {
  const workspace = await herald.client.workspaces.create.mutate({ name });
  const key = await keyClient(herald, { permissions: [...permissions], workspaceId: workspace.id, mode });
  return { workspaceId: workspace.id, ...key };
}
