import { type Kysely, sql } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/**
 * The endpoint owner's portal. A webhook may name its owner (the app's own customer id, opaque to Herald); the
 * portal shows an owner only their webhooks, found through `webhooks_owner_idx`, and their deliveries through
 * those webhooks. A workspace keeps its portal settings (event types owners may subscribe to, origins allowed to
 * embed the portal, branding) as one JSON object, null for the defaults. A portal session is created with a
 * one-time token and lives on as a cookie; only the SHA-256 of either is stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhooks ADD COLUMN owner text CHECK (char_length(owner) BETWEEN 1 AND 200)`.execute(db);
  await sql`CREATE INDEX webhooks_owner_idx ON webhooks (workspace_id, mode, owner, id) WHERE owner IS NOT NULL`.execute(
    db,
  );
  await sql`ALTER TABLE workspaces ADD COLUMN portal_settings jsonb`.execute(db);
  await db.schema
    .createTable('portal_sessions')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('workspace_id', 'text', (col) => col.notNull().references('workspaces.id'))
    .addColumn('mode', 'text', (col) => col.notNull().check(sql`mode IN ('live', 'test')`))
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('permissions', 'text', (col) => col.notNull().check(sql`permissions IN ('manage', 'read')`))
    .addColumn('branding', 'jsonb')
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('token_expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('session_hash', 'text', (col) => col.unique())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('exchanged_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('portal_sessions_expires_idx').on('portal_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('portal_sessions').execute();
  await sql`ALTER TABLE workspaces DROP COLUMN portal_settings`.execute(db);
  await sql`ALTER TABLE webhooks DROP COLUMN owner`.execute(db);
}
