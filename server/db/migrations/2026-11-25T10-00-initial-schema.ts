import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('events', sql`text[]`, (col) => col.notNull())
    .addColumn('active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .execute();
  // Fan-out looks up live webhooks whose `events` contain the published type.
  await sql`CREATE INDEX webhooks_live_events_idx ON webhooks USING gin (events) WHERE deleted_at IS NULL AND active`.execute(
    db,
  );
  await sql`CREATE INDEX webhooks_live_id_idx ON webhooks (id) WHERE deleted_at IS NULL`.execute(db);

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('payload', 'json', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('event_id', 'text', (col) => col.notNull().references('events.id'))
    .addColumn('webhook_id', 'text', (col) => col.notNull().references('webhooks.id'))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`status IN ('pending', 'succeeded', 'failed')`),
    )
    .addColumn('attempt_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('deliveries_event_webhook_key', ['event_id', 'webhook_id'])
    .execute();
  // Delivery logs page newest first per webhook, optionally by status; ids sort by creation time.
  await db.schema.createIndex('deliveries_webhook_id_idx').on('deliveries').columns(['webhook_id', 'id']).execute();
  await db.schema
    .createIndex('deliveries_webhook_status_id_idx')
    .on('deliveries')
    .columns(['webhook_id', 'status', 'id'])
    .execute();
  await db.schema.createIndex('deliveries_status_id_idx').on('deliveries').columns(['status', 'id']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('delivery_id', 'text', (col) => col.notNull().references('deliveries.id'))
    .addColumn('attempt_number', 'integer', (col) => col.notNull())
    .addColumn('trigger', 'text', (col) =>
      col
        .notNull()
        .defaultTo('scheduled')
        .check(sql`trigger IN ('scheduled', 'manual', 'test')`),
    )
    .addColumn('outcome', 'text', (col) =>
      col
        .notNull()
        .defaultTo('in_flight')
        .check(sql`outcome IN ('in_flight', 'succeeded', 'failed', 'interrupted')`),
    )
    .addColumn('requested_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('duration_ms', 'integer')
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .addUniqueConstraint('delivery_attempts_delivery_number_key', ['delivery_id', 'attempt_number'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['delivery_attempts', 'deliveries', 'events', 'webhooks']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
