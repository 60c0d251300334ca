import { afterAll, beforeAll } from 'vitest';
import type { Role } from '../../server/app/create-app.js';
import type { Environment } from '../../server/config.js';
import type { Logger } from '../../server/logger.js';
import { startTestHerald, type TestHerald } from './herald.js';
import { type Behaviour, ok, startReceiver, type Receiver } from './receiver.js';

export interface Stack {
  /** Herald on the run's shared Temporal and Postgres servers, with a database and task queue of its own. */
  readonly herald: TestHerald;
  /** A loopback endpoint that records what it gets. */
  readonly receiver: Receiver;
}

/**
 * The set-up every end-to-end file shares: a Herald stack and a receiver, started before the file's tests and
 * stopped after them. Call it at the top of a file; a file's own `beforeAll` hooks run after this one.
 */
export function useStack(
  options: {
    /** Settings, or a function that prepares what they point at (a file to seed from) and returns them. */
    env?: Environment | (() => Promise<Environment>);
    roles?: Role[];
    receiver?: Behaviour;
    /** Where Herald logs (a captured logger, to assert what an operator reads). */
    logger?: Logger;
  } = {},
): Stack {
  let herald: TestHerald | undefined;
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    const env = typeof options.env === 'function' ? await options.env() : options.env;
    [herald, receiver] = await Promise.all([
      startTestHerald({ env, roles: options.roles, ...(options.logger ? { logger: options.logger } : {}) }),
      startReceiver(options.receiver ?? ok),
    ]);
  });
  afterAll(async () => {
    await Promise.all([herald?.stop(), receiver?.close()]);
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is used before the file's set-up ran`);
    return value;
  };
  return {
    get herald() {
      return ready(herald, 'test stack');
    },
    get receiver() {
      return ready(receiver, 'receiver');
    },
  };
}
