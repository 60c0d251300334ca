import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * Tenancy, API keys, the event type catalog and the audit log. Every webhook, event and delivery gains a
 * workspace and a mode (live/test); rows that existed before land in the default workspace, live mode.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`INSERT INTO workspaces (id, name) VALUES ('ws_default', 'Default')`.execute(db);

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('workspace_id', 'text', (col) => col.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('mode', 'text', (col) => col.notNull().check(sql`mode IN ('live', 'test')`))
    .addColumn('permissions', sql`text[]`, (col) => col.notNull())
    .addColumn('key_hash', 'text', (col) => col.notNull().unique())
    .addColumn('key_hint', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_workspace_idx').on('api_keys').columns(['workspace_id', 'id']).execute();

  await db.schema
    .createTable('event_types')
    .addColumn('workspace_id', 'text', (col) => col.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('schema', 'jsonb')
    .addColumn('example', 'jsonb')
    .addColumn('deprecated', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('archived', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('event_types_pkey', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('workspace_id', 'text', (col) => col.notNull().references('workspaces.id'))
    .addColumn('mode', 'text', (col) => col.check(sql`mode IN ('live', 'test')`))
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('entity_type', 'text', (col) => col.notNull())
    .addColumn('entity_id', 'text', (col) => col.notNull())
    .addColumn('diff', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('request_id', 'text')
    .execute();
  // Newest first, alone or narrowed by entity, action or actor; ids sort by time.
  await db.schema.createIndex('audit_log_workspace_idx').on('audit_log').columns(['workspace_id', 'id']).execute();
  await db.schema
    .createIndex('audit_log_entity_idx')
    .on('audit_log')
    .columns(['workspace_id', 'entity_type', 'entity_id', 'id'])
    .execute();
  await db.schema
    .createIndex('audit_log_action_idx')
    .on('audit_log')
    .columns(['workspace_id', 'action', 'id'])
    .execute();
  await db.schema
    .createIndex('audit_log_actor_idx')
    .on('audit_log')
    .columns(['workspace_id', 'actor_id', 'id'])
    .execute();

  for (const table of ['webhooks', 'events', 'deliveries']) {
    await sql`ALTER TABLE ${sql.table(table)}
      ADD COLUMN workspace_id text NOT NULL DEFAULT 'ws_default' REFERENCES workspaces (id),
      ADD COLUMN mode text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'))`.execute(db);
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN workspace_id DROP DEFAULT, ALTER COLUMN mode DROP DEFAULT`.execute(
      db,
    );
  }
  await sql`ALTER TABLE events ADD COLUMN is_test boolean NOT NULL DEFAULT false`.execute(db);
  // Delivery logs filter by event type; it never changes, so deliveries carry it.
  await sql`ALTER TABLE deliveries ADD COLUMN event_type text`.execute(db);
  await sql`UPDATE deliveries d SET event_type = e.type FROM events e WHERE e.id = d.event_id`.execute(db);
  await sql`ALTER TABLE deliveries ALTER COLUMN event_type SET NOT NULL`.execute(db);
  // The delivery log filters by the class of the last answer; derived, so never stale.
  await sql`ALTER TABLE deliveries ADD COLUMN status_class text GENERATED ALWAYS AS (
    CASE WHEN last_status_code IS NOT NULL THEN (last_status_code / 100)::text || 'xx'
         WHEN last_error IS NOT NULL THEN 'network' END) STORED`.execute(db);

  // Event ids are chosen by publishers, so they are unique per workspace and mode, not globally.
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_fkey`.execute(db);
  await sql`ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_webhook_key`.execute(db);
  await sql`ALTER TABLE events DROP CONSTRAINT events_pkey`.execute(db);
  await sql`ALTER TABLE events ADD PRIMARY KEY (workspace_id, mode, id)`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_event_fkey
    FOREIGN KEY (workspace_id, mode, event_id) REFERENCES events (workspace_id, mode, id)`.execute(db);
  await sql`ALTER TABLE deliveries ADD CONSTRAINT deliveries_event_webhook_key UNIQUE (workspace_id, mode, event_id, webhook_id)`.execute(
    db,
  );

  for (const index of [
    'deliveries_webhook_id_idx',
    'deliveries_webhook_status_id_idx',
    'deliveries_status_id_idx',
    'deliveries_event_id_idx',
    'webhooks_live_events_idx',
    'webhooks_live_id_idx',
  ]) {
    await db.schema.dropIndex(index).execute();
  }
  // Each delivery-log query filters by exactly these columns and pages by id, so each walks one index range in order.
  await db.schema
    .createIndex('deliveries_webhook_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'webhook_id', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_webhook_status_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'webhook_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_webhook_class_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'webhook_id', 'status_class', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_scope_type_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'event_type', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_scope_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_scope_status_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('deliveries_scope_event_idx')
    .on('deliveries')
    .columns(['workspace_id', 'mode', 'event_id', 'id'])
    .execute();
  await sql`CREATE INDEX webhooks_scope_idx ON webhooks (workspace_id, mode, id) WHERE deleted_at IS NULL`.execute(db);
  await sql`CREATE INDEX webhooks_live_events_idx ON webhooks USING gin (events) WHERE deleted_at IS NULL AND active`.execute(
    db,
  );
  await db.schema
    .createIndex('events_scope_created_idx')
    .on('events')
    .columns(['workspace_id', 'mode', 'created_at'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error(
    '2026-11-25T16-00-workspaces-keys-catalog-audit cannot be reverted: event ids are no longer globally unique',
  );
}
