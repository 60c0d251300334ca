import type { ConnectionFlags } from './connection.js';
import { connect } from './connection.js';
import type { Output } from './output.js';

/**
 * `herald events cancel <id>`: withdraws a scheduled event before it is sent; its deliveries become cancelled. An
 * event already sent, or not scheduled, is refused by the server (exit 1, with its message).
 */
export async function cancelEventCommand(
  id: string,
  flags: ConnectionFlags & { json?: boolean },
  out: Output,
): Promise<number> {
  const { client } = connect(flags);
  const cancelled = await client.events.cancel.mutate({ id });
  if (flags.json) out.json(cancelled);
  else
    out.print(
      `${out.state('cancelled')} ${cancelled.id} (${cancelled.type}), which was to be sent at ${cancelled.deliverAt}: ${cancelled.deliveries.length} deliver${cancelled.deliveries.length === 1 ? 'y' : 'ies'} cancelled, nothing sent`,
    );
  return 0;
}
