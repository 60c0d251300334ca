import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../server/logger.js';

export interface CapturedLogger {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: Array<Record<string, unknown> & { msg: string; level: number }>;
}

/** A real pino logger whose JSON lines are kept in memory, for asserting what an operator would read. */
export function capturedLogger(level = 'info'): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}
