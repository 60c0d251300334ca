import { ServiceError } from '@temporalio/client';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { unavailableDependency } from '../../server/dependency-errors.js';
import { ConflictError } from '../../server/errors.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const adminShutdown = new pg.DatabaseError('terminating connection due to administrator command', 0, 'error');
adminShutdown.code = '57P01';
const unavailable = new ServiceError('Failed to start Workflow', {
  cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }),
});

describe('telling a dependency outage from a failure', () => {
  it.each<[string, unknown, string]>([
    ['a refused Postgres connection', refused, 'postgres'],
    ['Postgres shutting down under a session', adminShutdown, 'postgres'],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly'), 'postgres'],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect'), 'postgres'],
    ['Temporal unreachable', unavailable, 'temporal'],
    ['an outage wrapped by a service', new Error('publish failed', { cause: refused }), 'postgres'],
  ])('is an outage: %s', (_name, error, dependency) => {
    expect(unavailableDependency(error)).toBe(dependency);
  });

  it.each<[string, unknown]>([
    ['a conflict', new ConflictError('already published')],
    ['a constraint violation', Object.assign(new pg.DatabaseError('duplicate key', 0, 'error'), { code: '23505' })],
    ['a bug', new TypeError('cannot read properties of undefined')],
    [
      'a Temporal refusal that is not an outage',
      new ServiceError('namespace not found', { cause: Object.assign(new Error('5 NOT_FOUND'), { code: 5 }) }),
    ],
  ])('is not an outage: %s', (_name, error) => {
    expect(unavailableDependency(error)).toBeUndefined();
  });
});
