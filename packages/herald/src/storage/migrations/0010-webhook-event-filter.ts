import type { Kysely, Migration } from 'kysely';

/**
 * Webhook endpoints subscribe to event types (`webhook_endpoints.events`, a JSON array). NULL,
 * which every existing endpoint gets, means every event: what they received before.
 */
export function webhookEventFilter(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('webhook_endpoints').addColumn('events', 'text').execute();
    },
  };
}
