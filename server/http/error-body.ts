/**
 * The one error shape of Herald's HTTP surface outside the tRPC protocol: REST routes, the health check, unknown
 * routes and malformed requests all answer `{ error: { code, message, issues? } }` with the matching status.
 */
export interface ErrorBody {
  error: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

export function errorBody(code: string, message: string, issues?: Array<{ path: string; message: string }>): ErrorBody {
  return { error: { code, message, ...(issues && issues.length > 0 ? { issues } : {}) } };
}

/** HTTP statuses of tRPC error codes, for errors raised before a procedure runs. */
export const statusCodes: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * Rewrites the body trpc-to-openapi sends for a failed REST call (`{ message, code, issues?, data }`) into the
 * shared shape, keeping the field paths Herald's error formatter put in `data.issues`.
 */
export function restErrorBody(raw: string): string {
  let body: {
    message?: string;
    code?: string;
    data?: { issues?: Array<{ path: string; message: string }> };
    error?: unknown;
  };
  try {
    body = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (body.error) return raw;
  const issues = body.data?.issues;
  const message =
    issues && issues.length > 0
      ? `Invalid input: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`
      : (body.message ?? 'Request failed');
  return JSON.stringify(errorBody(body.code ?? 'INTERNAL_SERVER_ERROR', message, issues));
}
