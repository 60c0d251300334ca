import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { requestIdOf } from '../../workflows/shared.js';

/**
 * Adds the request id an activity was scheduled with (its input's `requestId`) to every line the SDK logs about
 * it, such as an unexpected failure, as workflows/interceptors.ts does for workflows. The attempt lines carry it
 * themselves (server/app/attempt-observer.ts).
 */
export const requestIdLogAttributes: ActivityInterceptorsFactory = () => {
  let requestId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        requestId = requestIdOf(input.args);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next(requestId === undefined ? attributes : { ...attributes, requestId }),
    },
  };
};
