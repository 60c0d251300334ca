import { pino, type Logger } from 'pino';

export type { Logger };

/** `pretty` for people at a terminal, `json` for log pipelines; `auto` picks by where stdout goes. */
export type LogFormat = 'pretty' | 'json' | 'auto';

/**
 * One structured logger for the process. Credentials in headers are redacted wherever they would be logged. In
 * development at a terminal the lines are made readable (pino-pretty, in a worker thread so it never slows the
 * process); anywhere else, and always in production, they stay JSON, one object per line, written asynchronously.
 */
export function createLogger(
  level: string,
  name = 'herald',
  options: { format?: LogFormat; production?: boolean } = {},
): Logger {
  const format = options.format ?? 'json';
  const pretty = format === 'pretty' || (format === 'auto' && !options.production && process.stdout.isTTY === true);
  const base = {
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.secret', 'secret'],
      censor: '[redacted]',
    },
  };
  if (pretty)
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  // Written without waiting for the pipe: a slow log reader must not slow deliveries (one line per attempt).
  // pino flushes what is pending when the process exits.
  return pino(base, pino.destination({ dest: 1, sync: false }));
}
