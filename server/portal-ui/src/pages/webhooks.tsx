import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import { formatRate, formatTime } from '../format.js';
import { Link } from '../link.js';
import { useCanManage } from '../session-state.js';
import { StateBadge, webhookState } from '../status.js';
import { useLoad } from '../use-load.js';
import { ErrorAlert } from '../error-alert.js';

export function WebhooksPage() {
  const canManage = useCanManage();
  const webhooks = useLoad(() => api.webhooks.list.query(), []);
  // When the first list is on screen: how long the page took to be usable, for anyone measuring (the tests do).
  const shown = webhooks.data !== undefined;
  useEffect(() => {
    if (shown && performance.getEntriesByName('herald:webhooks-shown').length === 0)
      performance.mark('herald:webhooks-shown');
  }, [shown]);
  return (
    <>
      <div class="title-row">
        <h1>Your webhooks</h1>
        {canManage && (
          <Link to="/webhooks/new" class="button">
            Add a webhook
          </Link>
        )}
      </div>
      <ErrorAlert message={webhooks.error} />
      {webhooks.data && webhooks.data.length === 0 && (
        <p class="empty">No webhooks yet.{canManage && ' Add one to start receiving events.'}</p>
      )}
      {webhooks.data && webhooks.data.length > 0 && (
        <ul class="cards" aria-label="Webhooks">
          {webhooks.data.map((webhook) => {
            const state = webhookState(webhook);
            return (
              <li class="card webhook-card" key={webhook.id}>
                <div class="card-head">
                  <Link to={`/webhooks/${encodeURIComponent(webhook.id)}`} class="card-title">
                    {webhook.name || webhook.url}
                  </Link>
                  <StateBadge {...state} />
                </div>
                <p class="url mono">{webhook.url}</p>
                <dl class="facts">
                  <div>
                    <dt>Health</dt>
                    <dd>
                      <Meter rate={webhook.health.successRate} /> {formatRate(webhook.health.successRate)}
                    </dd>
                  </div>
                  <div>
                    <dt>Last 24 h</dt>
                    <dd>{webhook.health.deliveriesLast24h} deliveries</dd>
                  </div>
                  <div>
                    <dt>Last failure</dt>
                    <dd>
                      {webhook.health.lastFailureAt ? (
                        <>
                          {formatTime(webhook.health.lastFailureAt)}
                          {webhook.health.lastFailureReason && (
                            <span class="muted"> — {webhook.health.lastFailureReason}</span>
                          )}
                        </>
                      ) : (
                        'none'
                      )}
                    </dd>
                  </div>
                  <div>
                    <dt>Events</dt>
                    <dd class="mono">{webhook.events.join(', ')}</dd>
                  </div>
                </dl>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

/** The share of deliveries that succeeded, as a small bar (its number is beside it in words). */
function Meter({ rate }: { rate: number | null }) {
  if (rate === null) return null;
  const tone = rate >= 0.95 ? 'ok' : rate >= 0.5 ? 'warn' : 'bad';
  return (
    <meter class={`health ${tone}`} min={0} max={1} low={0.5} high={0.95} optimum={1} value={rate} aria-hidden="true" />
  );
}
