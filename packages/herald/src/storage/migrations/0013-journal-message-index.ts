import type { Kysely, Migration } from 'kysely';

/**
 * Finds a message's journal record by its message id. The worker asks before every journaled
 * send whether the message was captured already (a capture happens once, before the first
 * transmission); without this index that question scanned the whole journal, so a journaled
 * send cost time in proportion to every record ever kept.
 */
export function journalMessageIndex(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('journal_records_message')
        .on('journal_records')
        .column('message_id')
        .execute();
    },
  };
}
