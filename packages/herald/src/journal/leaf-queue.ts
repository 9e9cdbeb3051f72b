import type { Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { Hash } from '../tlog/index.ts';

/** One captured entry waiting to become a leaf. */
export interface PendingLeaf {
  /** The owner's row id (a journal record id, an audit event id). */
  readonly key: string;
  /** The RFC 9162 leaf hash computed when the entry was captured. */
  readonly leafHash: Hash;
}

/**
 * Where a {@link TransparencyLog}'s sequencer finds entries to integrate and records where they
 * landed. The journal and the audit log each implement it over their own table; both methods run
 * inside the sequencer's transaction, so a batch is integrated entirely or not at all.
 */
export interface LeafQueue {
  /** Up to `limit` entries not yet in the tree, in the order they will be appended. */
  pending(trx: Transaction<Database>, limit: number): Promise<PendingLeaf[]>;
  /** Marks entries as integrated at the given leaf indexes. */
  assign(trx: Transaction<Database>, keys: readonly string[], firstIndex: number): Promise<void>;
}
