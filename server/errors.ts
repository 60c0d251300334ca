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

/** Input that passed the schema but is still wrong, such as a URL the target policy refuses. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    readonly path: string[],
    readonly detail: string,
  ) {
    super(`${path.join('.')}: ${detail}`);
  }
}
