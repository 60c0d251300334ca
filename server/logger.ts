import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured logger for the process. Credentials in headers are redacted wherever they would be logged. */
export function createLogger(level: string, name = 'herald'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.secret', 'secret'],
      censor: '[redacted]',
    },
  });
}
