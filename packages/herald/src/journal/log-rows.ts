import type { Kysely } from 'kysely';
import { auditLeafHash } from '../audit/audit-event.ts';
import { readDirectoryRows } from '../keys/key-directory-rows.ts';
import type { Database } from '../storage/schema.ts';
import { hashEquals, type Hash } from '../tlog/index.ts';
import { journalLeafHash } from './journal-leaf.ts';
import { sealedKeyDigest } from './record-envelope.ts';

/** Which table's rows are the leaves of a log: every log Herald keeps. */
export const LOG_KINDS = ['journal', 'audit', 'keys'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** The tables whose rows carry their own `leaf_index` (the journal's leaves are a table apart). */
const TABLES = {
  audit: 'audit_events',
  keys: 'key_directory_entries',
} as const satisfies Record<Exclude<LogKind, 'journal'>, keyof Database>;

/** One integrated entry, as a verifier sees it. */
export interface LogRow {
  readonly id: string;
  readonly index: number;
  /** The leaf hash recomputed from the stored columns. */
  readonly leafHash: Hash;
  readonly shredded: boolean;
  /** Why the row itself is inconsistent (e.g. its sealed key does not match its digest). */
  readonly problem?: string;
}

/**
 * Reads up to `limit` integrated rows of a log with `leaf_index >= from`, in leaf order, and
 * recomputes each leaf hash from the stored columns.
 */
export async function readLogRows(
  db: Kysely<Database>,
  kind: LogKind,
  from: number,
  limit: number,
): Promise<LogRow[]> {
  if (kind === 'keys') return readDirectoryRows(db, from, limit);
  if (kind === 'audit') {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('leaf_index', '>=', from)
      .orderBy('leaf_index')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      index: Number(r.leaf_index),
      leafHash: auditLeafHash({ ...r, at: Number(r.at) }),
      shredded: false,
    }));
  }
  // The leaves in order, each with its record (ADR 0015); only the columns the leaf commits to
  // (and the sealed key, to check it against its digest). A leaf whose record is gone has no
  // row here, which the scan reports as a missing entry.
  const rows = await db
    .selectFrom('journal_leaves as l')
    .innerJoin('journal_records as r', 'r.id', 'l.record_id')
    .select([
      'r.id',
      'r.tenant_id',
      'r.message_id',
      'r.kind',
      'r.retention',
      'r.captured_at',
      'r.labels',
      'r.subjects',
      'r.enc',
      'r.enc_seq',
      'r.sealed_key',
      'r.key_digest',
      'r.ciphertext',
      'l.leaf_index',
    ])
    .where('l.leaf_index', '>=', from)
    .orderBy('l.leaf_index')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const leafHash = journalLeafHash({
      id: r.id,
      tenantId: r.tenant_id,
      messageId: r.message_id,
      kind: r.kind,
      retention: r.retention,
      capturedAt: Number(r.captured_at),
      labels: JSON.parse(r.labels) as string[],
      subjects: JSON.parse(r.subjects) as string[],
      keyDigest: r.key_digest,
      ciphertext: r.ciphertext,
    });
    const keyOk =
      r.sealed_key === null || hashEquals(sealedKeyDigest(r.enc, r.enc_seq, r.sealed_key), r.key_digest);
    return {
      id: r.id,
      index: Number(r.leaf_index),
      leafHash,
      shredded: r.sealed_key === null,
      ...(keyOk ? {} : { problem: 'its sealed data key does not match the digest in its leaf' }),
    };
  });
}

/** How many entries of a log are captured but not yet integrated. */
export async function countPending(db: Kysely<Database>, kind: LogKind): Promise<number> {
  // The journal's queue is its own table (ADR 0015); the other logs mark pending rows in place.
  const row =
    kind === 'journal'
      ? await db
          .selectFrom('journal_pending')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst()
      : await db
          .selectFrom(TABLES[kind])
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('leaf_index', 'is', null)
          .executeTakeFirst();
  return Number(row?.n ?? 0);
}
