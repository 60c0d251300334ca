import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { schemaProblem, validateAgainst } from '../catalog/json-schema.js';
import type { Db } from '../db/database.js';
import type { EventTypeRow } from '../db/tables/event-types.table.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import {
  type EventTypeFields,
  findEventType,
  insertEventType,
  updateEventType,
  listEventTypes as queryEventTypes,
} from '../db/queries/event-types.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';

function snapshot(row: EventTypeRow): Record<string, unknown> {
  return {
    description: row.description,
    schema: row.schema,
    example: row.example,
    deprecated: row.deprecated,
    archived: row.archived,
  };
}

/** A schema must compile, and an example must satisfy it. */
function checkDefinition(fields: EventTypeFields, current?: EventTypeRow): void {
  if (fields.schema !== undefined && fields.schema !== null) {
    const problem = schemaProblem(fields.schema);
    if (problem) throw InvalidInputError.at(['schema'], `is not a valid JSON Schema: ${problem}`);
  }
  const schema = fields.schema !== undefined ? fields.schema : current?.schema;
  const example = fields.example !== undefined ? fields.example : current?.example;
  if (schema !== null && schema !== undefined && example !== null && example !== undefined) {
    const issues = validateAgainst(schema, example, 'example');
    if (issues.length > 0)
      throw new InvalidInputError(issues.map((i) => ({ path: i.path.split('.'), message: i.message })));
  }
}

export async function createEventType(
  deps: { db: Db },
  actor: Actor,
  name: string,
  fields: EventTypeFields,
): Promise<EventTypeRow> {
  checkDefinition(fields);
  return deps.db.transaction().execute(async (trx) => {
    const row = await insertEventType(trx, actor.principal.workspaceId, name, fields);
    if (!row) throw new ConflictError(`Event type ${name} already exists; update it instead.`);
    await audit(trx, actor, {
      action: 'eventTypes.create',
      entityType: 'event_type',
      entityId: name,
      after: snapshot(row),
      mode: null,
    });
    return row;
  });
}

export async function changeEventType(
  deps: { db: Db },
  actor: Actor,
  name: string,
  fields: EventTypeFields,
): Promise<EventTypeRow> {
  return deps.db.transaction().execute(async (trx) => {
    const before = await findEventType(trx, actor.principal.workspaceId, name);
    if (!before) throw new NotFoundError('Event type', name);
    checkDefinition(fields, before);
    const after = (await updateEventType(trx, actor.principal.workspaceId, name, fields))!;
    const action = fields.archived === true && !before.archived ? 'eventTypes.archive' : 'eventTypes.update';
    await audit(trx, actor, {
      action,
      entityType: 'event_type',
      entityId: name,
      before: snapshot(before),
      after: snapshot(after),
      mode: null,
    });
    return after;
  });
}

const seedFile = z.array(
  z.object({
    name: z.string(),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()).optional(),
    example: z.unknown().optional(),
    deprecated: z.boolean().optional(),
  }),
);

/**
 * Applies the event types in `file` (a JSON array) to a workspace: new ones are created, changed ones updated,
 * each audited as Herald's own change. Run at start-up, so configuration is the catalog's source of truth.
 */
export async function seedEventTypes(deps: { db: Db }, workspaceId: string, file: string): Promise<number> {
  const parsed = seedFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`HERALD_EVENT_TYPES_FILE=${file} is not a list of event types: ${parsed.error.message}`);
  let changed = 0;
  await deps.db.transaction().execute(async (trx) => {
    for (const definition of parsed.data) {
      const { name, ...fields } = definition;
      checkDefinition(fields);
      const existing = await findEventType(trx, workspaceId, name);
      if (!existing) {
        const row = (await insertEventType(trx, workspaceId, name, fields))!;
        await audit(trx, null, {
          action: 'eventTypes.create',
          entityType: 'event_type',
          entityId: name,
          after: snapshot(row),
          workspaceId,
          mode: null,
        });
        changed += 1;
      } else if (
        JSON.stringify(snapshot({ ...existing, ...fields } as EventTypeRow)) !== JSON.stringify(snapshot(existing))
      ) {
        const row = (await updateEventType(trx, workspaceId, name, fields))!;
        await audit(trx, null, {
          action: 'eventTypes.update',
          entityType: 'event_type',
          entityId: name,
          before: snapshot(existing),
          after: snapshot(row),
          workspaceId,
          mode: null,
        });
        changed += 1;
      }
    }
  });
  return changed;
}

/** The workspace's catalog, archived types only when asked for. */
export async function listEventTypes(
  deps: { db: Db },
  workspaceId: string,
  options: { includeArchived: boolean },
): Promise<EventTypeRow[]> {
  const rows = await queryEventTypes(deps.db, workspaceId);
  return rows.filter((row) => options.includeArchived || !row.archived);
}

export async function getEventType(deps: { db: Db }, workspaceId: string, name: string): Promise<EventTypeRow> {
  const row = await findEventType(deps.db, workspaceId, name);
  if (!row) throw new NotFoundError('Event type', name);
  return row;
}
