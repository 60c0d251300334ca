import { useEffect, useState } from 'preact/hooks';
import { api, type Outputs, type TestReport, type WebhookDetail } from '../api.js';
import { formatDuration, formatRate, formatTime, isoToLocalInput, localInputToIso } from '../format.js';
import { Link } from '../link.js';
import { navigate } from '../router.js';
import { SecretValue } from '../secret-value.js';
import { useCanManage } from '../session-state.js';
import { type SignatureScheme, verificationSnippets } from '../snippets.js';
import { DeliveryStatus, StateBadge, webhookState } from '../status.js';
import { useAction, useLoad } from '../use-load.js';
import { ErrorAlert } from '../error-alert.js';

export function WebhookPage({ id }: { id: string }) {
  const webhook = useLoad(() => api.webhooks.get.query({ id }), [id]);
  if (webhook.error)
    return (
      <p role="alert" class="error">
        {webhook.error}
      </p>
    );
  if (!webhook.data) return <p aria-busy="true">Loading…</p>;
  return <Webhook webhook={webhook.data} reload={webhook.reload} />;
}

function Webhook({ webhook, reload }: { webhook: WebhookDetail; reload(): void }) {
  const canManage = useCanManage();
  const state = webhookState(webhook);
  const action = useAction();
  const path = `/webhooks/${encodeURIComponent(webhook.id)}`;
  const act = async (what: 'pause' | 'resume') => {
    if (await action.run(() => api.webhooks[what].mutate({ id: webhook.id }))) reload();
  };
  const remove = async () => {
    if (!confirm(`Delete the webhook to ${webhook.url}? Nothing more is delivered to it.`)) return;
    if (await action.run(() => api.webhooks.delete.mutate({ id: webhook.id }))) navigate('/');
  };
  return (
    <>
      <p class="crumbs">
        <Link to="/">Webhooks</Link> ›
      </p>
      <div class="title-row">
        <h1>{webhook.name || webhook.url}</h1>
        <StateBadge {...state} />
      </div>
      <dl class="facts">
        <div>
          <dt>Endpoint</dt>
          <dd class="mono url">{webhook.url}</dd>
        </div>
        <div>
          <dt>Event types</dt>
          <dd class="mono">{webhook.events.join(', ')}</dd>
        </div>
        <div>
          <dt>Health</dt>
          <dd>
            {formatRate(webhook.health.successRate)}, {webhook.health.deliveriesLast24h} deliveries in the last 24 h
          </dd>
        </div>
        <div>
          <dt>Last failure</dt>
          <dd>
            {webhook.health.lastFailureAt
              ? `${formatTime(webhook.health.lastFailureAt)}${webhook.health.lastFailureReason ? ` — ${webhook.health.lastFailureReason}` : ''}`
              : 'none'}
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(webhook.createdAt)}</dd>
        </div>
      </dl>
      <p>
        <Link to={`/deliveries?webhookId=${encodeURIComponent(webhook.id)}`}>See its deliveries</Link>
      </p>
      {canManage && (
        <div class="actions" role="group" aria-label="Webhook actions">
          <Link to={`${path}/edit`} class="button secondary">
            Edit
          </Link>
          {webhook.paused ? (
            <button type="button" class="secondary" disabled={action.busy} onClick={() => void act('resume')}>
              Resume
            </button>
          ) : (
            <button type="button" class="secondary" disabled={action.busy} onClick={() => void act('pause')}>
              Pause
            </button>
          )}
          <button type="button" class="danger" disabled={action.busy} onClick={() => void remove()}>
            Delete
          </button>
        </div>
      )}
      <ErrorAlert message={action.error} />
      {canManage && <SendTest webhook={webhook} />}
      <SigningSection webhook={webhook} reload={reload} />
      {canManage && <Recover webhookId={webhook.id} />}
    </>
  );
}

/** Whether an event type is one a webhook's patterns (names, `prefix.*`, `*`) subscribe to. */
function subscribes(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

function SendTest({ webhook }: { webhook: WebhookDetail }) {
  const catalog = useLoad(() => api.eventTypes.list.query(), []);
  const types = (catalog.data ?? []).map((t) => t.name).filter((name) => subscribes(webhook.events, name));
  const [eventType, setEventType] = useState('');
  const [report, setReport] = useState<TestReport>();
  const action = useAction();
  const chosen = eventType || types[0] || '';
  const send = async (event: Event) => {
    event.preventDefault();
    setReport(undefined);
    const result = await action.run(() => api.webhooks.test.mutate({ id: webhook.id, eventType: chosen }));
    if (result) setReport(result);
  };
  return (
    <section class="panel" aria-labelledby="test-title">
      <h2 id="test-title">Send a test event</h2>
      {types.length === 0 ? (
        <p class="muted">None of the catalog's event types matches this webhook's subscriptions.</p>
      ) : (
        <form class="inline-form" onSubmit={(event) => void send(event)}>
          <label>
            Event type
            <select value={chosen} onChange={(e) => setEventType(e.currentTarget.value)}>
              {types.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Sending…' : 'Send test'}
          </button>
        </form>
      )}
      <ErrorAlert message={action.error} />
      {report && (
        <div class="test-report" role="status">
          {report.tests.map((test) => (
            <div key={test.deliveryId} class="report-line">
              <DeliveryStatus status={test.status} /> <span class="mono">{test.eventType}</span>:{' '}
              {test.statusCode === null ? 'no answer' : `HTTP ${test.statusCode}`} in {formatDuration(test.durationMs)}
              {test.error && <span class="muted"> — {test.error}</span>}{' '}
              <Link to={`/deliveries/${encodeURIComponent(test.deliveryId)}`}>Details</Link>
              {test.responseExcerpt && <pre class="code excerpt">{test.responseExcerpt}</pre>}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

const gracePeriods = [
  { seconds: 0, label: 'none: the old secret stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 7 * 86_400, label: '7 days' },
];

function SigningSection({ webhook, reload }: { webhook: WebhookDetail; reload(): void }) {
  const canManage = useCanManage();
  const [secret, setSecret] = useState<string>();
  const [grace, setGrace] = useState(86_400);
  const [rotated, setRotated] = useState<{ previousValidUntil: string | null }>();
  const action = useAction();
  const reveal = async () => {
    const result = await action.run(() => api.webhooks.revealSecret.mutate({ id: webhook.id }));
    if (result) setSecret(result.secret);
  };
  const rotate = async () => {
    const result = await action.run(() => api.webhooks.rotateSecret.mutate({ id: webhook.id, gracePeriod: grace }));
    if (result) {
      setSecret(result.secret);
      setRotated({ previousValidUntil: result.previousValidUntil ?? null });
      reload();
    }
  };
  const schemes = (webhook.signatureProfile?.schemes ?? [{ type: 'standard-webhooks' }]) as SignatureScheme[];
  const snippets = verificationSnippets(schemes);
  return (
    <section class="panel" aria-labelledby="signing-title">
      <h2 id="signing-title">Signing secret</h2>
      {webhook.secretRotation && (
        <p class="muted">
          Deliveries carry a signature with the previous secret too until{' '}
          {formatTime(webhook.secretRotation.previousSecretExpiresAt)}
          {schemes.some((scheme) => scheme.type === 'hmac-sha256') &&
            !webhook.secretRotation.bodySignatureSwitched &&
            '; body-only signature headers keep the previous secret until then'}
          .
        </p>
      )}
      {secret ? (
        <SecretValue secret={secret} />
      ) : (
        canManage && (
          <button type="button" class="secondary" disabled={action.busy} onClick={() => void reveal()}>
            Reveal the secret
          </button>
        )
      )}
      {rotated && (
        <p role="status">
          New secret in use.{' '}
          {rotated.previousValidUntil
            ? `Deliveries carry a signature with the previous one too until ${formatTime(rotated.previousValidUntil)}.`
            : 'The previous secret no longer signs anything.'}
        </p>
      )}
      {canManage && (
        <div class="inline-form">
          <label>
            Keep the old secret valid for
            <select value={grace} onChange={(e) => setGrace(Number(e.currentTarget.value))}>
              {gracePeriods.map((period) => (
                <option key={period.seconds} value={period.seconds}>
                  {period.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="secondary" disabled={action.busy} onClick={() => void rotate()}>
            Rotate the secret
          </button>
        </div>
      )}
      <ErrorAlert message={action.error} />
      <h3>How deliveries are signed</h3>
      <ul>
        {schemes.map((scheme, index) => (
          <li key={index}>
            {scheme.type === 'standard-webhooks' ? (
              <>
                Standard Webhooks: headers <code>webhook-id</code>, <code>webhook-timestamp</code> and{' '}
                <code>webhook-signature</code> (<code>v1,</code> base64 HMAC-SHA256 of <code>id.timestamp.body</code>)
              </>
            ) : (
              <>
                HMAC-SHA256 of the body in <code>{scheme.header}</code>, {scheme.encoding}
                {scheme.prefix && (
                  <>
                    {' '}
                    prefixed <code>{scheme.prefix}</code>
                  </>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {snippets && (
        <>
          <h3>Verify deliveries</h3>
          <details open>
            <summary>Node.js</summary>
            <pre class="code" tabIndex={0}>
              {snippets.node}
            </pre>
          </details>
          <details>
            <summary>Python</summary>
            <pre class="code" tabIndex={0}>
              {snippets.python}
            </pre>
          </details>
        </>
      )}
    </section>
  );
}

function Recover({ webhookId }: { webhookId: string }) {
  const [since, setSince] = useState(isoToLocalInput(new Date(Date.now() - 86_400_000).toISOString()));
  const [recoveryId, setRecoveryId] = useState<string>();
  const action = useAction();
  const start = async (event: Event) => {
    event.preventDefault();
    const iso = localInputToIso(since);
    if (!iso) return action.setError('Pick the time to recover from.');
    const started = await action.run(() => api.recoveries.start.mutate({ webhookId, since: iso }));
    if (started) setRecoveryId(started.recoveryId);
  };
  return (
    <section class="panel" aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed deliveries</h2>
      <p class="muted">Sends every delivery that failed since the time you pick once more.</p>
      <form class="inline-form" onSubmit={(event) => void start(event)}>
        <label>
          Failed since
          <input type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        </label>
        <button type="submit" class="secondary" disabled={action.busy || recoveryId !== undefined}>
          Recover
        </button>
      </form>
      <ErrorAlert message={action.error} />
      {recoveryId && <RecoveryProgress recoveryId={recoveryId} />}
    </section>
  );
}

type Progress = Outputs['recoveries']['progress'];

const stopped: Record<string, string> = { cancelled: 'Cancelled: ', failed: 'Stopped by an error: ' };

/** Polls the recovery's progress until it has finished. */
function RecoveryProgress({ recoveryId }: { recoveryId: string }) {
  const [progress, setProgress] = useState<Progress>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await api.recoveries.progress.query({ recoveryId });
        if (stopped) return;
        setProgress(next);
        if (!next.finished) timer = setTimeout(() => void poll(), 1000);
      } catch (caught) {
        if (!stopped) setError((caught as Error).message);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [recoveryId]);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!progress) return <p aria-busy="true">Starting…</p>;
  return (
    <div class="recovery" role="status" aria-live="polite">
      <progress
        max={Math.max(progress.total, 1)}
        value={progress.finished && progress.total === 0 ? 1 : progress.done}
        aria-label="Recovery progress"
      />
      <p>
        {progress.finished ? (stopped[progress.state] ?? 'Finished: ') : 'Recovering: '}
        {progress.done} of {progress.total} sent again, {progress.succeeded} delivered, {progress.failed} failed.
      </p>
    </div>
  );
}
