/**
 * The values the API reference's examples share, so that they tell one story: a shop's order webhook, the order it
 * shipped, and that delivery's attempts. Every example must satisfy its schema (the OpenAPI lint checks it).
 */
export const sample = {
  workspaceId: 'ws_01M892BP80YQYY5NTN5J08W6YN',
  apiKeyId: 'key_01M892BQ78W97PG6332ZV4NHJK',
  webhookId: 'wh_01M892BR6GY3CPQNW23RBGT0CQ',
  eventId: 'order_1001_shipped',
  deliveryId: 'del_01M892BS5R03P6C6HBWEA2DB6K',
  attemptId: 'att_01M892BT50SMKNPV4DA16YG4P7',
  auditId: 'aud_01M892BV48HAB64SCSEA7F62BF',
  recoveryId: 'rec_01M892BW3G2J9G77Y9CHSMPJBJ',
  testEventDeliveryId: 'del_01M892BX2RTZ1FQDV505XMS905',
  url: 'https://shop.example.com/webhooks/herald',
  /** The shop's own id for the customer who owns the endpoint. */
  owner: 'customer_4821',
  secret: 'whsec_1DqNvv2sViFvFvagK4PgHXtzAs7PkqzrQp38RmgPO1w=',
  createdAt: '2026-11-25T10:00:00.000Z',
  publishedAt: '2026-11-25T10:05:00.000Z',
  deliveredAt: '2026-11-25T10:05:30.412Z',
  eventData: { orderId: 'ord_abc123', carrier: 'UPS', trackingNumber: '1Z999AA10123456784' },
} as const;
