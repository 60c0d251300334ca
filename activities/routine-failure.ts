import { ApplicationFailure } from '@temporalio/activity';

/**
 * A failure that is part of delivering webhooks (an endpoint answered 500, timed out, refused the connection), not a
 * fault in Herald: a one-line message and no stack trace, so the Temporal UI shows what happened and nothing more.
 */
export function routineFailure(
  type: string,
  message: string,
  options: { nonRetryable?: boolean; nextRetryDelay?: number } = {},
): ApplicationFailure {
  const failure = ApplicationFailure.create({ type, message, ...options });
  failure.stack = `${failure.name}: ${message}`;
  return failure;
}
