import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import type * as Proto from '@temporalio/proto';
import type * as PatchProtobufRoot from '@temporalio/proto/lib/patch-protobuf-root.js';
import { type ReplayError, type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import type { DeterminismViolationError } from '@temporalio/workflow';
import { createLogger } from '../../server/logger.js';
import { installTemporalRuntime } from '../../server/temporal/runtime.js';

/** Recorded histories of real workflows, one JSON file each; `npm run test:record-histories` writes them. */
export const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));

/** One event of a history in Temporal's JSON form (the form `temporal workflow show --output json` prints). */
export interface HistoryEventJSON {
  eventId: string;
  eventType: string;
  [attributes: string]: unknown;
}

/**
 * What a fixture file holds: exactly an item of `Worker.runReplayHistories` (`HistoryAndWorkflowId`). The workflow
 * id is kept because a history does not carry it and workflow code may use it (`workflowInfo().workflowId`).
 */
export interface HistoryFixture {
  workflowId: string;
  history: { events: HistoryEventJSON[] };
}

export interface NamedFixture extends HistoryFixture {
  /** The file name without `.json`. */
  name: string;
  /** The path to show in messages, relative to the repository. */
  file: string;
  workflowType: string;
}

/**
 * Temporal's JSON form of a history (what `historyToJSON`/`historyFromJSON` of @temporalio/common/lib/proto-utils
 * read and write), through the protobufjs copy that @temporalio/proto's types were built with. Those two SDK
 * functions throw "type must be a Type" in this install: npm gave @temporalio/common and @temporalio/proto separate
 * copies of protobufjs 8 (the root holds protobufjs 7 for @grpc/proto-loader), and protojson checks `instanceof
 * Type` across them. `Worker.runReplayHistories` calls `historyFromJSON` on JSON histories, so the fixtures are
 * handed to it already decoded.
 */
const requireCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
const requireProto = createRequire(requireCommon.resolve('@temporalio/proto'));
const proto = requireCommon('@temporalio/proto') as typeof Proto;
const { patchProtobufRoot } = requireCommon('@temporalio/proto/lib/patch-protobuf-root') as typeof PatchProtobufRoot;
const protojson = requireProto('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJSON(history: History): HistoryFixture['history'] {
  return protojson.toJson(
    historyType,
    proto.temporal.api.history.v1.History.fromObject(history),
  ) as HistoryFixture['history'];
}

export function historyFromJSON(json: HistoryFixture['history']): History {
  // Unknown fields (a newer server's) are tolerated, as the SDK does.
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

export function fixturePath(name: string): string {
  return path.join(historiesDir, `${name}.json`);
}

export function fixtureExists(name: string): boolean {
  return existsSync(fixturePath(name));
}

/** Every fixture in `test/replay/histories/`, in file-name order. */
export async function readFixtures(): Promise<NamedFixture[]> {
  const files = existsSync(historiesDir) ? (await fs.readdir(historiesDir)).filter((f) => f.endsWith('.json')) : [];
  return Promise.all(
    files.sort().map(async (file) => {
      const fixture = JSON.parse(await fs.readFile(path.join(historiesDir, file), 'utf8')) as HistoryFixture;
      if (typeof fixture.workflowId !== 'string' || !Array.isArray(fixture.history?.events))
        throw new Error(`test/replay/histories/${file} is not a { workflowId, history } fixture`);
      return {
        ...fixture,
        name: file.replace(/\.json$/, ''),
        file: `test/replay/histories/${file}`,
        workflowType: workflowTypeOf(fixture),
      };
    }),
  );
}

export function workflowTypeOf(fixture: HistoryFixture): string {
  const started = fixture.history.events[0]?.workflowExecutionStartedEventAttributes as
    { workflowType?: { name?: string } } | undefined;
  const name = started?.workflowType?.name;
  if (!name) throw new Error(`the history of ${fixture.workflowId} does not begin with WorkflowExecutionStarted`);
  return name;
}

/** A workflow's history as it stands now, in Temporal's JSON form. */
export async function historyOf(handle: WorkflowHandle): Promise<HistoryFixture['history']> {
  return historyToJSON(await handle.fetchHistory());
}

/** Saves a workflow's history as it stands now; returns the fixture's size in bytes. */
export async function saveHistory(name: string, handle: WorkflowHandle): Promise<number> {
  const history = await historyOf(handle);
  const fixture: HistoryFixture = { workflowId: handle.workflowId, history };
  const text = `${JSON.stringify(fixture, null, 2)}\n`;
  await fs.mkdir(historiesDir, { recursive: true });
  await fs.writeFile(fixturePath(name), text);
  return Buffer.byteLength(text);
}

export type ReplayFailure = ReplayError | DeterminismViolationError;

/**
 * Replays every fixture with one replay worker (the workflow code given in `options`) and returns each fixture's
 * failure, or undefined where it replayed cleanly. Histories are replayed one at a time, in order.
 */
export async function replayFixtures(
  options: ReplayWorkerOptions,
  fixtures: NamedFixture[],
): Promise<Map<string, ReplayFailure | undefined>> {
  // The SDK's logs go where a worker's go, warnings and above: not every replay worker's state changes.
  installTemporalRuntime(createLogger('warn', 'herald-replay'));
  const outcomes = new Map<string, ReplayFailure | undefined>();
  let i = 0;
  for await (const result of Worker.runReplayHistories(
    options,
    fixtures.map(({ workflowId, history }) => ({ workflowId, history: historyFromJSON(history) })),
  ))
    outcomes.set(fixtures[i++]!.name, result.error);
  if (i !== fixtures.length) throw new Error(`replayed ${i} of ${fixtures.length} histories`);
  return outcomes;
}

/** A failure as a reader needs it: which fixture, which workflow, what Temporal said, and what to do. */
export function describeFailure(fixture: NamedFixture, error: ReplayFailure): string {
  return [
    `${fixture.file} (${fixture.workflowType}, recorded as ${fixture.workflowId}) no longer replays with the current workflow code:`,
    `  ${error.name}: ${error.message}`,
    'Workflows started by the previous release are still running and would fail the same way after a deploy.',
    "Guard the change with patched('…') / deprecatePatch('…') or give it a new workflow type (DEVELOPERS.md, " +
      '"Changing workflow code"); never re-record a fixture to make this pass.',
  ].join('\n');
}
