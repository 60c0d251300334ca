/**
 * At most `limit` requests in flight to one origin; the others wait their turn, first come first served. Herald
 * counts an attempt's time from the moment its request may actually go out, so waiting for a free connection is
 * never mistaken for a slow endpoint, and a request that cannot go out in time is not sent at all.
 */
export interface OriginGates {
  /** Resolves to a release function once a slot is free, or to undefined if none frees up within `maxWaitMs`. */
  acquire(origin: string, maxWaitMs: number): Promise<(() => void) | undefined>;
}

interface Gate {
  active: number;
  waiting: Array<() => void>;
}

export function createOriginGates(limit: number): OriginGates {
  const gates = new Map<string, Gate>();

  const release = (origin: string, gate: Gate) => {
    const next = gate.waiting.shift();
    if (next) return next();
    gate.active -= 1;
    if (gate.active === 0) gates.delete(origin);
  };

  return {
    acquire(origin, maxWaitMs) {
      let gate = gates.get(origin);
      if (!gate) gates.set(origin, (gate = { active: 0, waiting: [] }));
      const held = gate;
      const releaser = () => {
        let released = false;
        return () => {
          if (released) return;
          released = true;
          release(origin, held);
        };
      };
      if (held.active < limit) {
        held.active += 1;
        return Promise.resolve(releaser());
      }
      if (maxWaitMs <= 0) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        // A slot handed over by `release` keeps `active` as it is: the leaving request's slot becomes this one's.
        const grant = () => {
          clearTimeout(timer);
          resolve(releaser());
        };
        const timer = setTimeout(() => {
          held.waiting.splice(held.waiting.indexOf(grant), 1);
          resolve(undefined);
        }, maxWaitMs);
        held.waiting.push(grant);
      });
    },
  };
}
