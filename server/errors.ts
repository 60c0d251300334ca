/**
 * Herald's own failures, one class per meaning. The API maps each to its HTTP/tRPC code in one place
 * (`api/trpc.ts`), so services never depend on the transport.
 */

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(what: string, id: string) {
    super(`${what} ${id} does not exist`);
  }
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/**
 * Input that passed the schema but is still wrong, such as a URL the target policy refuses or data that breaks
 * its event type's schema. Its `issues` have the shape of zod's, so callers see one error format for both.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  readonly issues: Array<{ path: string[]; message: string }>;
  constructor(issues: Array<{ path: string[]; message: string }>, summary?: string) {
    super(summary ?? `Invalid input: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }

  static at(path: string[], message: string): InvalidInputError {
    return new InvalidInputError([{ path, message }]);
  }
}
