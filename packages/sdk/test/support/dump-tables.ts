// Every row of every table of a store, as text, so a test can search it for plaintext canaries.
import assert from 'node:assert/strict';
import type { Store } from '../../../herald/src/storage/store.ts';

/** The part of the store's query builder the dump uses (kysely is the server package's dependency). */
interface DumpDb {
  selectFrom(table: string): { selectAll(): { execute(): Promise<Record<string, unknown>[]> } };
}

/** Every row of every table, as text (binary columns as Latin-1, so plaintext bytes would show). */
export async function dumpTables(store: Store): Promise<string> {
  const db = store.conn.db as unknown as DumpDb;
  const tables =
    store.dialect === 'sqlite'
      ? (await db.selectFrom('sqlite_master').selectAll().execute())
          .filter((t) => t.type === 'table')
          .map((t) => String(t.name))
      : (await db.selectFrom('information_schema.tables').selectAll().execute())
          .filter((t) => t.table_schema === 'public' && t.table_type === 'BASE TABLE')
          .map((t) => String(t.table_name));
  let out = '';
  for (const table of tables) {
    for (const row of await db.selectFrom(table).selectAll().execute())
      out += `${table}\t${JSON.stringify(row, (_, v: unknown) =>
        v instanceof Uint8Array
          ? Buffer.from(v).toString('latin1')
          : (v as { type?: unknown } | null)?.type === 'Buffer'
            ? Buffer.from((v as { data: number[] }).data).toString('latin1')
            : typeof v === 'bigint'
              ? String(v)
              : v,
      )}\n`;
  }
  assert.ok(tables.length > 10 && out.length > 0, 'the dump saw the tables');
  return out;
}
