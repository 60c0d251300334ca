import { useState } from 'preact/hooks';
import { api, type Delivery, type DeliveryFilters } from '../api.js';
import { formatTime, isoToLocalInput, localInputToIso } from '../format.js';
import { Link } from '../link.js';
import { navigate } from '../router.js';
import { DeliveryStatus } from '../status.js';
import { useAction, useLoad } from '../use-load.js';

const statuses = ['pending', 'queued', 'succeeded', 'failed', 'parked', 'discarded', 'scheduled', 'cancelled'] as const;
const statusClasses = ['2xx', '3xx', '4xx', '5xx', 'network'] as const;
const filterNames = ['webhookId', 'status', 'statusClass', 'eventType', 'since', 'until'] as const;

/** The delivery log, filtered by what the address says (so a filtered view can be bookmarked or shared). */
export function DeliveriesPage({ query }: { query: URLSearchParams }) {
  const filters = Object.fromEntries(
    filterNames.flatMap((name) => (query.get(name) ? [[name, query.get(name)!]] : [])),
  ) as Record<(typeof filterNames)[number], string | undefined>;
  const key = filterNames.map((name) => filters[name] ?? '').join('|');
  const webhooks = useLoad(() => api.webhooks.list.query(), []);
  const catalog = useLoad(() => api.eventTypes.list.query(), []);
  const first = useLoad(() => api.deliveries.list.query(toInput(filters)), [key]);
  const [more, setMore] = useState<{ key: string; data: Delivery[]; nextCursor: string | null }>();
  const action = useAction();
  const extra = more?.key === key ? more : undefined;
  const rows = [...(first.data?.data ?? []), ...(extra?.data ?? [])];
  const cursor = extra ? extra.nextCursor : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!cursor) return;
    const page = await action.run(() => api.deliveries.list.query({ ...toInput(filters), cursor }));
    if (page) setMore({ key, data: [...(extra?.data ?? []), ...page.data], nextCursor: page.nextCursor ?? null });
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const name of filterNames) {
      let value = String(form.get(name) ?? '');
      if (name === 'since' || name === 'until') value = localInputToIso(value) ?? '';
      if (value) params.set(name, value);
    }
    const search = params.toString();
    navigate(`/deliveries${search ? `?${search}` : ''}`);
  };
  const webhookName = (id: string) => {
    const webhook = webhooks.data?.find((w) => w.id === id);
    return webhook ? webhook.name || webhook.url : id;
  };

  return (
    <>
      <h1>Delivery log</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter deliveries" key={key}>
        <label>
          Webhook
          <select name="webhookId" defaultValue={filters.webhookId ?? ''}>
            <option value="">All</option>
            {webhooks.data?.map((webhook) => (
              <option key={webhook.id} value={webhook.id}>
                {webhook.name || webhook.url}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" defaultValue={filters.status ?? ''}>
            <option value="">Any</option>
            {statuses.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </label>
        <label>
          Answer
          <select name="statusClass" defaultValue={filters.statusClass ?? ''}>
            <option value="">Any</option>
            {statusClasses.map((statusClass) => (
              <option key={statusClass} value={statusClass}>
                {statusClass === 'network' ? 'no answer (network)' : statusClass}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event type
          <select name="eventType" defaultValue={filters.eventType ?? ''}>
            <option value="">Any</option>
            {catalog.data?.map((type) => (
              <option key={type.name}>{type.name}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" name="since" defaultValue={isoToLocalInput(filters.since)} />
        </label>
        <label>
          To
          <input type="datetime-local" name="until" defaultValue={isoToLocalInput(filters.until)} />
        </label>
        <div class="filter-actions">
          <button type="submit">Filter</button>
          <Link to="/deliveries">Clear</Link>
        </div>
      </form>
      {(first.error || action.error) && (
        <p role="alert" class="error">
          {first.error ?? action.error}
        </p>
      )}
      {first.data && rows.length === 0 && <p class="empty">No deliveries match.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="deliveries">
            <caption class="sr-only">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Event type</th>
                <th scope="col">Webhook</th>
                <th scope="col">Answer</th>
                <th scope="col">Attempts</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <Link to={`/deliveries/${encodeURIComponent(delivery.id)}`} class="row-link">
                      <DeliveryStatus status={delivery.status} />
                      <span class="sr-only"> delivery {delivery.id}</span>
                    </Link>
                  </td>
                  <td class="mono">{delivery.eventType}</td>
                  <td class="clip">{webhookName(delivery.webhookId)}</td>
                  <td>{delivery.statusCode ?? (delivery.error ? 'no answer' : '—')}</td>
                  <td>{delivery.attempts}</td>
                  <td>{formatTime(delivery.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <p>
          <button type="button" class="secondary" disabled={action.busy} onClick={() => void loadMore()}>
            Show more
          </button>
        </p>
      )}
    </>
  );
}

function toInput(filters: Record<string, string | undefined>): DeliveryFilters {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value)) as DeliveryFilters;
}
