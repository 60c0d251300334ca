import type { Permission, Scope } from '../db/scope.js';

/** The caller, once its key is checked. */
export interface Principal extends Scope {
  keyId: string;
  permissions: ReadonlySet<Permission>;
}
