import type { Kysely, Migration } from 'kysely';

/** Every policy version that was activated, so a restart and every process use the same one. */
export function policyVersions(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('policy_versions')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('activated_by', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
