import type { Kysely } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import { HASH_SIZE, hashEquals } from '../tlog/index.ts';
import { SqlHashStore } from '../tlog/sql-hash-store.ts';
import { readLogRows, type LogKind } from './log-rows.ts';

/** The first thing found wrong. */
export interface BadEntry {
  /** The leaf index, or the checkpoint size for a checkpoint problem. */
  readonly index: number;
  /** The record or event id, when the problem is with one row. */
  readonly id?: string;
  readonly problem: string;
}

/** What a scan of leaves `[from, to)` found: the leaf hashes of its good prefix, packed. */
export interface LeafScan {
  readonly from: number;
  /** Leaves checked good, from `from` on; their hashes are `hashes[0 … 32·count)`. */
  readonly count: number;
  readonly hashes: Uint8Array;
  readonly shredded: number;
  /** The first bad leaf, at index `from + count`. */
  readonly firstBad?: BadEntry;
}

const PAGE = 5000;

/**
 * Recomputes the leaves `[from, to)` of a log from their stored rows and compares each with the
 * stored leaf hash, in pages. Stops at the first bad entry. Independent of every other range, so
 * two ranges can be scanned at once (a second thread with its own connection, `verify-log.ts`).
 */
export async function scanLeaves(
  db: Kysely<Database>,
  dialect: DialectName,
  kind: LogKind,
  origin: string,
  from: number,
  to: number,
  onPage?: (done: number) => void,
): Promise<LeafScan> {
  const store = new SqlHashStore(db, dialect, origin);
  const hashes = new Uint8Array(Math.max(0, to - from) * HASH_SIZE);
  let shredded = 0;
  let next = from;
  const result = (firstBad?: BadEntry): LeafScan => ({
    from,
    count: next - from,
    hashes: hashes.subarray(0, (next - from) * HASH_SIZE),
    shredded,
    ...(firstBad ? { firstBad } : {}),
  });
  while (next < to) {
    const page = await readLogRows(db, kind, next, Math.min(PAGE, to - next));
    if (page.length === 0) return result({ index: next, problem: `entry ${next} is missing` });
    const stored = await store.leafHashes(next, page.length);
    for (let k = 0; k < page.length; k++) {
      const row = page[k]!;
      if (row.index !== next) return result({ index: next, problem: `entry ${next} is missing` });
      if (row.problem) return result({ index: next, id: row.id, problem: row.problem });
      const leaf = stored[k];
      if (leaf === undefined || !hashEquals(leaf, row.leafHash)) {
        return result({
          index: next,
          id: row.id,
          problem: 'the stored row does not match its leaf in the log',
        });
      }
      if (row.shredded) shredded++;
      hashes.set(row.leafHash, (next - from) * HASH_SIZE);
      next++;
    }
    onPage?.(next - from);
  }
  return result();
}
