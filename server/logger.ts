import { pino, type Logger } from 'pino';

export type { Logger };

/** `pretty` for people at a terminal, `json` for log pipelines; `auto` picks by where stdout goes. */
export type LogFormat = 'pretty' | 'json' | 'auto';

/**
 * One structured logger for the process. Credentials in headers are redacted wherever they would be logged. In
 * development at a terminal the lines are made readable (pino-pretty, in a worker thread so it never slows the
 * process); anywhere else, and always in production, they stay JSON, one object per line.
 */
export function createLogger(
  level: string,
  name = 'herald',
  options: { format?: LogFormat; production?: boolean } = {},
): Logger {
  const format = options.format ?? 'json';
  const pretty = format === 'pretty' || (format === 'auto' && !options.production && process.stdout.isTTY === true);
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.secret', 'secret'],
      censor: '[redacted]',
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' },
          },
        }
      : {}),
  });
}
