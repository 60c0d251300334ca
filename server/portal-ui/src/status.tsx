import type { Webhook } from './api.js';

/** A webhook's state in one word and a colour: what an owner checks first. */
export function webhookState(webhook: Pick<Webhook, 'paused' | 'active' | 'disabledReason'>): {
  label: string;
  tone: 'ok' | 'warn' | 'bad';
} {
  if (webhook.disabledReason === 'gone') return { label: 'Disabled: endpoint gone', tone: 'bad' };
  if (webhook.disabledReason === 'failing') return { label: 'Disabled: failing', tone: 'bad' };
  if (!webhook.active) return { label: 'Disabled', tone: 'bad' };
  if (webhook.paused) return { label: 'Paused', tone: 'warn' };
  return { label: 'Active', tone: 'ok' };
}

export function StateBadge(props: { label: string; tone: 'ok' | 'warn' | 'bad' | 'neutral' }) {
  return <span class={`badge ${props.tone}`}>{props.label}</span>;
}

const deliveryTones: Record<string, 'ok' | 'warn' | 'bad' | 'neutral'> = {
  succeeded: 'ok',
  pending: 'warn',
  parked: 'neutral',
  failed: 'bad',
  discarded: 'bad',
};

export function DeliveryStatus({ status }: { status: string }) {
  return <StateBadge label={status} tone={deliveryTones[status] ?? 'neutral'} />;
}
