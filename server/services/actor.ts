import type { Principal } from '../auth/permissions.js';

/** Who changes something, for the audit log: the API key and the request it came in. */
export interface Actor {
  principal: Principal;
  requestId: string | null;
}
