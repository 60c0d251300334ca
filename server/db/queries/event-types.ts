import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { EventTypeRow } from '../tables/event-types.table.js';

export interface EventTypeFields {
  description?: string | undefined;
  schema?: unknown;
  example?: unknown;
  deprecated?: boolean | undefined;
  archived?: boolean | undefined;
}

const json = (value: unknown) => (value === undefined ? undefined : value === null ? null : JSON.stringify(value));

export async function insertEventType(
  db: Db,
  workspaceId: string,
  name: string,
  fields: EventTypeFields,
): Promise<EventTypeRow | undefined> {
  return db
    .insertInto('event_types')
    .values({
      workspace_id: workspaceId,
      name,
      description: fields.description ?? '',
      schema: json(fields.schema) ?? null,
      example: json(fields.example) ?? null,
      deprecated: fields.deprecated ?? false,
      archived: fields.archived ?? false,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'name']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateEventType(
  db: Db,
  workspaceId: string,
  name: string,
  fields: EventTypeFields,
): Promise<EventTypeRow | undefined> {
  return db
    .updateTable('event_types')
    .set({
      ...(fields.description !== undefined && { description: fields.description }),
      ...(fields.schema !== undefined && { schema: json(fields.schema) }),
      ...(fields.example !== undefined && { example: json(fields.example) }),
      ...(fields.deprecated !== undefined && { deprecated: fields.deprecated }),
      ...(fields.archived !== undefined && { archived: fields.archived }),
      updated_at: sql<Date>`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
}

export async function findEventType(db: Db, workspaceId: string, name: string): Promise<EventTypeRow | undefined> {
  return db
    .selectFrom('event_types')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** The whole catalog of a workspace, by name; catalogs are small (tens to hundreds of types). */
export async function listEventTypes(db: Db, workspaceId: string): Promise<EventTypeRow[]> {
  return db.selectFrom('event_types').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
}
