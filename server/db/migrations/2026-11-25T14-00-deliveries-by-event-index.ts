import type { Kysely } from 'kysely';

// Frozen once shipped: change the schema in a new migration, never here.

/** Fan-out attempts select an event's deliveries by id range (batches of consecutive ids). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('deliveries_event_id_idx').on('deliveries').columns(['event_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_event_id_idx').execute();
}
