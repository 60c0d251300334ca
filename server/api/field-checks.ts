import type { z } from 'zod';
import type { Principal } from '../auth/permissions.js';
import { schemaProblem, validateAgainst } from '../catalog/json-schema.js';
import { InvalidInputError } from '../errors.js';
import type { Actor } from '../services/actor.js';
import { checkPublishable, loadCatalog } from '../services/catalog.js';
import { webhookFieldIssues } from '../services/webhooks.js';
import type { Context } from './context.js';
import { createEventTypeInput, updateEventTypeInput } from './schemas/event-type.js';
import { publishBatchInput, publishEventInput } from './schemas/event.js';
import { createWebhookInput, updateWebhookInput } from './schemas/webhook.js';

/** An invalid field: its path (`['events', '0']`) and what is wrong with it. */
export type FieldIssue = InvalidInputError['issues'][number];

/** What a procedure's field checks run with: its services and the authenticated caller. */
export type CallerContext = Context & { principal: Principal; actor: Actor };

/**
 * The checks of a procedure's input that need the server, for when its schema has already refused the input: they
 * get the fields that passed their own schema, parsed, and the raw input for inputs that nest (a batch).
 */
export interface FieldChecks {
  /** The input's top-level fields, in the order the schema declares them: issues are reported in this order. */
  fields: string[];
  run(ctx: CallerContext, rawInput: unknown): Promise<FieldIssue[]>;
}

/** The fields of `raw` that pass their own schema in `schema`, parsed; the others are left out. */
export async function validFields<S extends z.ZodObject>(schema: S, raw: unknown): Promise<Partial<z.output<S>>> {
  const input = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const parsed = await field.safeParseAsync(input[key]);
    if (parsed.success && parsed.data !== undefined) fields[key] = parsed.data;
  }
  return fields as Partial<z.output<S>>;
}

export function fieldChecks<S extends z.ZodObject>(
  schema: S,
  check: (ctx: CallerContext, fields: Partial<z.output<S>>, rawInput: unknown) => Promise<FieldIssue[]>,
): FieldChecks {
  return {
    fields: Object.keys(schema.shape),
    run: async (ctx, rawInput) => check(ctx, await validFields(schema, rawInput), rawInput),
  };
}

/** The issues of a schema's refusal (a ZodError, as tRPC's input parsing reports it), or undefined for any other error. */
export function schemaIssues(cause: unknown): FieldIssue[] | undefined {
  const error = cause as { name?: unknown; issues?: unknown } | undefined;
  if (error?.name !== 'ZodError' || !Array.isArray(error.issues)) return undefined;
  return (error.issues as Array<{ path: PropertyKey[]; message: string }>).map((issue) => ({
    path: issue.path.map(String),
    message: issue.message,
  }));
}

/**
 * The schema's issues together with those of the field checks, as one error, or undefined when the checks add
 * nothing. A check's issue about a field the schema already refused (or a part of it) is left out: the schema's
 * word on that field comes first. Should a check fail (its database is down, say), the schema's refusal stands alone.
 */
export async function withFieldIssues(
  checks: FieldChecks,
  ctx: CallerContext,
  rawInput: unknown,
  refused: FieldIssue[],
): Promise<InvalidInputError | undefined> {
  let found: FieldIssue[];
  try {
    found = await checks.run(ctx, rawInput);
  } catch {
    return undefined;
  }
  const added = found.filter((issue) => !refused.some((r) => overlaps(r.path, issue.path)));
  if (added.length === 0) return undefined;
  return new InvalidInputError([...refused, ...added].sort((a, b) => comparePaths(checks.fields, a.path, b.path)));
}

/**
 * The order issues are reported in: fields as the schema declares them, items of a list by index. Issues that this
 * does not tell apart keep their order (the sort is stable), so one field's issues stay as they were found.
 */
function comparePaths(fields: string[], a: string[], b: string[]): number {
  const rank = (field: string | undefined) => {
    const index = fields.indexOf(field ?? '');
    return index < 0 ? fields.length : index;
  };
  if (rank(a[0]) !== rank(b[0])) return rank(a[0]) - rank(b[0]);
  for (let i = 1; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const [x, y] = [Number(a[i]), Number(b[i])];
    return Number.isInteger(x) && Number.isInteger(y) ? x - y : 0;
  }
  return 0;
}

/** One path lies inside the other (or they are equal). */
function overlaps(a: string[], b: string[]): boolean {
  const length = Math.min(a.length, b.length);
  return a.slice(0, length).every((segment, i) => segment === b[i]);
}

/** The issues a check reports by throwing an InvalidInputError, as a list. */
function issuesOf(check: () => void): FieldIssue[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues;
    throw error;
  }
}

export const createWebhookChecks = fieldChecks(createWebhookInput, (ctx, fields) =>
  webhookFieldIssues(ctx, ctx.actor, fields),
);

export const updateWebhookChecks = fieldChecks(updateWebhookInput, (ctx, fields) =>
  webhookFieldIssues(ctx, ctx.actor, fields),
);

/** The event's type against the catalog, and its data against the type's schema. */
async function publishableIssues(ctx: CallerContext, raw: unknown, path: string[]): Promise<FieldIssue[]> {
  const event = await validFields(publishEventInput, raw);
  if (event.type === undefined) return [];
  const catalog = await loadCatalog(ctx.db, ctx.principal.workspaceId);
  return issuesOf(() => checkPublishable(catalog, { type: event.type!, data: event.data }, path));
}

export const publishChecks = fieldChecks(publishEventInput, (ctx, _fields, raw) => publishableIssues(ctx, raw, []));

export const publishBatchChecks = fieldChecks(publishBatchInput, async (ctx, _fields, raw) => {
  const events = (raw as { events?: unknown } | undefined)?.events;
  if (!Array.isArray(events)) return [];
  const issues = await Promise.all(events.map((event, i) => publishableIssues(ctx, event, ['events', String(i)])));
  return issues.flat();
});

/** A schema must compile, and an example must satisfy the schema it comes with. */
function definitionIssues(fields: { schema?: unknown; example?: unknown }): FieldIssue[] {
  if (fields.schema === undefined || fields.schema === null) return [];
  const problem = schemaProblem(fields.schema);
  if (problem) return [{ path: ['schema'], message: `is not a valid JSON Schema: ${problem}` }];
  if (fields.example === undefined || fields.example === null) return [];
  return validateAgainst(fields.schema, fields.example, 'example').map((issue) => ({
    path: issue.path.split('.'),
    message: issue.message,
  }));
}

export const createEventTypeChecks = fieldChecks(createEventTypeInput, async (_ctx, fields) =>
  definitionIssues(fields),
);

export const updateEventTypeChecks = fieldChecks(updateEventTypeInput, async (_ctx, fields) =>
  definitionIssues(fields),
);
