import { useState } from 'preact/hooks';
import { api, type EventType } from '../api.js';
import { Link } from '../link.js';
import { navigate } from '../router.js';
import { SecretValue } from '../secret-value.js';
import { useCanManage } from '../session-state.js';
import { useAction, useLoad } from '../use-load.js';
import { ErrorAlert } from '../error-alert.js';

/** Create a webhook, or edit one (`id`): its URL, its name and the event types it receives. */
export function WebhookFormPage({ id }: { id?: string }) {
  const canManage = useCanManage();
  const catalog = useLoad(() => api.eventTypes.list.query(), []);
  const existing = useLoad(() => (id ? api.webhooks.get.query({ id }) : Promise.resolve(undefined)), [id]);
  if (!canManage) return <p>This session can only look at webhooks.</p>;
  if (catalog.error || existing.error)
    return (
      <p role="alert" class="error">
        {catalog.error ?? existing.error}
      </p>
    );
  if (!catalog.data || (id && !existing.data)) return <p aria-busy="true">Loading…</p>;
  return <WebhookForm id={id} catalog={catalog.data} initial={existing.data} />;
}

function WebhookForm(props: {
  id: string | undefined;
  catalog: EventType[];
  initial: { url: string; name: string; events: string[] } | undefined;
}) {
  const [url, setUrl] = useState(props.initial?.url ?? '');
  const [name, setName] = useState(props.initial?.name ?? '');
  const [events, setEvents] = useState<Set<string>>(new Set(props.initial?.events ?? []));
  const [created, setCreated] = useState<{ id: string; secret: string }>();
  const action = useAction();

  const toggle = (type: string, on: boolean) => {
    const next = new Set(events);
    if (on) next.add(type);
    else next.delete(type);
    setEvents(next);
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    if (events.size === 0) return action.setError('Pick at least one event type.');
    const input = { url: url.trim(), events: [...events], ...(name.trim() ? { name: name.trim() } : {}) };
    if (props.id) {
      const done = await action.run(() => api.webhooks.update.mutate({ id: props.id!, ...input }));
      if (done) navigate(`/webhooks/${encodeURIComponent(props.id)}`);
    } else {
      const webhook = await action.run(() => api.webhooks.create.mutate(input));
      if (webhook) setCreated({ id: webhook.id, secret: webhook.secret });
    }
  };

  if (created)
    return (
      <section aria-labelledby="created-title">
        <h1 id="created-title">Webhook added</h1>
        <p>
          Deliveries are signed with this secret. Keep it with your endpoint's settings: you can reveal it again on the
          webhook's page.
        </p>
        <SecretValue secret={created.secret} />
        <p>
          <Link to={`/webhooks/${encodeURIComponent(created.id)}`} class="button">
            Go to the webhook
          </Link>
        </p>
      </section>
    );

  return (
    <form onSubmit={(event) => void submit(event)} class="stack" aria-labelledby="form-title" noValidate>
      <h1 id="form-title">{props.id ? 'Edit the webhook' : 'Add a webhook'}</h1>
      <label>
        Endpoint URL
        <input
          type="url"
          name="url"
          required
          placeholder="https://example.com/webhooks"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </label>
      <label>
        <span>
          Name <span class="muted">(optional)</span>
        </span>
        <input type="text" name="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Event types</legend>
        {props.catalog.length === 0 && <p class="empty">No event types are offered yet.</p>}
        <ul class="event-types">
          {props.catalog.map((type) => (
            <li key={type.name}>
              <label class="check">
                <input
                  type="checkbox"
                  name="events"
                  value={type.name}
                  checked={events.has(type.name)}
                  onChange={(e) => toggle(type.name, e.currentTarget.checked)}
                />
                <span>
                  <span class="mono">{type.name}</span>
                  {type.deprecated && <span class="badge warn">deprecated</span>}
                  {type.description && <span class="muted"> — {type.description}</span>}
                </span>
              </label>
              <details>
                <summary>Schema and example of {type.name}</summary>
                <div class="two-col">
                  <div>
                    <h3>Schema</h3>
                    <pre class="code">{JSON.stringify(type.schema ?? {}, null, 2)}</pre>
                  </div>
                  <div>
                    <h3>Example</h3>
                    <pre class="code">{JSON.stringify(type.example ?? null, null, 2)}</pre>
                  </div>
                </div>
              </details>
            </li>
          ))}
        </ul>
      </fieldset>
      <ErrorAlert message={action.error} />
      <div class="actions">
        <button type="submit" disabled={action.busy}>
          {props.id ? 'Save' : 'Add the webhook'}
        </button>
        <Link to={props.id ? `/webhooks/${encodeURIComponent(props.id)}` : '/'}>Cancel</Link>
      </div>
    </form>
  );
}
