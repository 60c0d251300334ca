import { useState } from 'preact/hooks';
import { api, type DeliveryDetail } from '../api.js';
import { formatDuration, formatTime } from '../format.js';
import { Link } from '../link.js';
import { useCanManage } from '../session-state.js';
import { DeliveryStatus } from '../status.js';
import { useAction, useLoad } from '../use-load.js';
import { ErrorAlert } from '../error-alert.js';

const triggers = { manual: 'sent again on request', test: 'test send', scheduled: 'scheduled' } as const;

export function DeliveryPage({ id }: { id: string }) {
  const delivery = useLoad(() => api.deliveries.get.query({ id }), [id]);
  if (delivery.error)
    return (
      <p role="alert" class="error">
        {delivery.error}
      </p>
    );
  if (!delivery.data) return <p aria-busy="true">Loading…</p>;
  return <Delivery delivery={delivery.data} reload={delivery.reload} />;
}

function Delivery({ delivery, reload }: { delivery: DeliveryDetail; reload(): void }) {
  const canManage = useCanManage();
  const action = useAction();
  const [resent, setResent] = useState<string>();
  const resend = async () => {
    const result = await action.run(() => api.deliveries.resend.mutate({ id: delivery.id }));
    if (result) {
      setResent(result.deliveryId);
      reload();
    }
  };
  return (
    <>
      <p class="crumbs">
        <Link to="/deliveries">Delivery log</Link> ›
      </p>
      <div class="title-row">
        <h1>
          Delivery of <span class="mono">{delivery.eventType}</span>
        </h1>
        <DeliveryStatus status={delivery.status} />
      </div>
      <dl class="facts">
        <div>
          <dt>Delivery</dt>
          <dd class="mono">{delivery.id}</dd>
        </div>
        <div>
          <dt>Event</dt>
          <dd class="mono">{delivery.eventId}</dd>
        </div>
        <div>
          <dt>Webhook</dt>
          <dd>
            <Link to={`/webhooks/${encodeURIComponent(delivery.webhookId)}`}>{delivery.webhookId}</Link>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(delivery.createdAt)}</dd>
        </div>
        <div>
          <dt>Next attempt</dt>
          <dd>{delivery.nextAttemptAt ? formatTime(delivery.nextAttemptAt) : 'none scheduled'}</dd>
        </div>
        {delivery.orderingKey !== null && (
          <div>
            <dt>Ordering key</dt>
            <dd>
              {delivery.orderingKey}
              {delivery.status === 'queued' && ' (waits for an earlier event of this key)'}
              {delivery.blocking && ' (holds the later events of this key back until it is resent)'}
            </dd>
          </div>
        )}
      </dl>
      {canManage && (
        <div class="actions">
          <button
            type="button"
            disabled={action.busy || delivery.status === 'pending' || delivery.status === 'queued'}
            onClick={() => void resend()}
          >
            Resend
          </button>
        </div>
      )}
      {resent && (
        <p role="status">
          Sent again.{' '}
          {resent !== delivery.id && (
            <Link to={`/deliveries/${encodeURIComponent(resent)}`}>Follow the new delivery</Link>
          )}
        </p>
      )}
      <ErrorAlert message={action.error} />
      <h2>Attempts</h2>
      {delivery.attempts.length === 0 && <p class="empty">No attempt yet.</p>}
      <ol class="attempts">
        {delivery.attempts.map((attempt) => (
          <li key={attempt.attemptNumber} class="card attempt">
            <div class="card-head">
              <h3>
                Attempt {attempt.attemptNumber}
                {attempt.trigger !== 'scheduled' && <span class="muted"> ({triggers[attempt.trigger]})</span>}
              </h3>
              <span class={`badge ${attempt.statusCode !== null && attempt.statusCode < 300 ? 'ok' : 'bad'}`}>
                {attempt.statusCode === null ? 'no answer' : `HTTP ${attempt.statusCode}`}
              </span>
            </div>
            <dl class="facts">
              <div>
                <dt>Started</dt>
                <dd>{formatTime(attempt.startedAt)}</dd>
              </div>
              <div>
                <dt>Took</dt>
                <dd>{formatDuration(attempt.durationMs)}</dd>
              </div>
              {attempt.error && (
                <div>
                  <dt>Error</dt>
                  <dd>{attempt.error}</dd>
                </div>
              )}
              {attempt.waitMs !== null && attempt.waitMs !== undefined && (
                <div>
                  <dt>Wait before the next attempt</dt>
                  <dd>{formatDuration(attempt.waitMs)}</dd>
                </div>
              )}
            </dl>
            {attempt.responseExcerpt !== null && (
              <>
                <h4>Response</h4>
                {/* Text, never markup: whatever the endpoint answered is shown as characters. */}
                <pre class="code excerpt" data-testid="response-excerpt">
                  {attempt.responseExcerpt}
                </pre>
              </>
            )}
          </li>
        ))}
      </ol>
      <h2>Payload</h2>
      <pre class="code" tabIndex={0}>
        {JSON.stringify(delivery.payload, null, 2)}
      </pre>
      {delivery.status === 'pending' && (
        <p>
          <button type="button" class="secondary" onClick={reload}>
            Refresh
          </button>
        </p>
      )}
    </>
  );
}
