import type { TRPCError } from '@trpc/server';

export interface InputIssue {
  /** Dotted path of the offending field, such as `events.0`; empty for the input as a whole. */
  path: string;
  message: string;
}

/**
 * One error shape for every procedure: validation failures carry zod's issues with field paths, and an unexpected
 * error is reported by request id only; its details go to the server log, never to the caller.
 */
export function formatError<Shape extends { message: string; data: { stack?: string | undefined } }>({
  shape,
  error,
  ctx,
}: {
  shape: Shape;
  error: TRPCError;
  ctx: { requestId: string; log: { error: (details: object, message: string) => void } } | undefined;
}) {
  const { stack: _stack, ...data } = shape.data;
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    ctx?.log?.error({ err: error.cause ?? error, requestId: ctx.requestId }, 'procedure failed');
    return {
      ...shape,
      message: `Internal error; the server log has the details under request id ${ctx?.requestId ?? 'unknown'}`,
      data,
    };
  }
  const issues = inputIssues(error.cause);
  if (!issues) return { ...shape, data };
  return { ...shape, message: summarise(issues), data: { ...data, issues } };
}

export function inputIssues(cause: unknown): InputIssue[] | undefined {
  const raw = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(raw)) return undefined;
  return (raw as Array<{ path: PropertyKey[]; message: string }>).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function summarise(issues: InputIssue[]): string {
  const parts = issues.slice(0, 5).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  return `Invalid input: ${parts.join('; ')}${issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''}`;
}
