import type { Kysely, Transaction } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import {
  consistencyProofToJson,
  inclusionProofToJson,
  leafIndex,
  MerkleTree,
  signCheckpoint,
  treeSize,
  type ConsistencyProofJson,
  type InclusionProofJson,
  type NoteSigner,
} from '../tlog/index.ts';
import { lockLogForAppend, SqlHashStore } from '../tlog/sql-hash-store.ts';
import type { LeafQueue } from './leaf-queue.ts';

/** What one sequencer run did. */
export interface SequenceResult {
  /** Leaves integrated by this run (0 when nothing was pending). */
  readonly appended: number;
  /** The log size after the run. */
  readonly size: number;
  /** The signed checkpoint published for `size`, when this run published one. */
  readonly checkpoint?: string;
}

/** Configuration of one log. */
export interface TransparencyLogOptions {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The C2SP checkpoint origin, e.g. `herald.example.com/journal`; also the log id in the database. */
  readonly origin: string;
  /**
   * Signs checkpoints (an Ed25519 note key whose name should be the origin). Only the sequencer
   * needs it; tools that only record entries or read proofs leave it out.
   */
  readonly signer?: NoteSigner;
  readonly queue: LeafQueue;
  /** Largest batch one run integrates. */
  readonly maxBatch?: number;
  /**
   * Makes every commit so far durable (`TransactionRunner.flush`: SQLite fsyncs its WAL off the
   * event loop; a PostgreSQL commit is durable already). A checkpoint is returned by the
   * sequencer or served to anyone only after a flush that followed its commit resolved, so a
   * checkpoint a client has seen cannot vanish in a power loss and the log regrow differently
   * (a split view). Without it (in-memory databases, tests) commits are taken as durable.
   */
  readonly flush?: () => Promise<void>;
  /** Test hook: runs inside the batch transaction after the nodes are written, before commit. */
  readonly afterAppend?: (trx: Transaction<Database>) => Promise<void>;
  readonly now?: () => number;
}

/**
 * One RFC 9162 log in the database with its sequencer and read API (checkpoint, inclusion and
 * consistency proofs), shared by the journal and the audit log.
 *
 * The sequencer batches pending entries into the tree in one transaction: it takes the log's
 * lock (PostgreSQL advisory lock; SQLite has one writer), appends the leaf hashes, marks the
 * entries with their leaf indexes and stores a checkpoint signed over the new size. A crash or
 * an error anywhere in between rolls all of it back, so no leaf is ever half-integrated and no
 * checkpoint covers leaves that are not stored.
 */
export class TransparencyLog {
  readonly origin: string;
  readonly #o: TransparencyLogOptions;
  /** Checkpoints up to this size are known durable: they may be published. */
  #durableSize = 0;
  /** Set for good when a flush failed (see {@link #publishable}). */
  #notDurable: HeraldError | undefined;

  constructor(opts: TransparencyLogOptions) {
    this.#o = opts;
    this.origin = opts.origin;
  }

  /** A read-only view of the tree (reads need no lock: stored nodes never change). */
  tree(db: Kysely<Database> = this.#o.db): MerkleTree {
    return new MerkleTree(new SqlHashStore(db, this.#o.dialect, this.origin));
  }

  /**
   * Integrates up to `maxBatch` pending entries and publishes a checkpoint for the new size.
   * Safe to run from several processes at once: they take turns on the log's lock.
   */
  async sequence(): Promise<SequenceResult> {
    const { db, dialect, queue, signer } = this.#o;
    if (signer === undefined) {
      throw new HeraldError('HERALD_ERR_JOURNAL_INVALID_ARGUMENT', {
        detail: `no checkpoint signer for ${this.origin}`,
      });
    }
    // Nothing more is appended over a commit that may not be on disk.
    if (this.#notDurable) throw this.#notDurable;
    const result = await db.transaction().execute(async (trx): Promise<SequenceResult> => {
      await lockLogForAppend(trx, dialect, this.origin);
      const pending = await queue.pending(trx, this.#o.maxBatch ?? 10_000);
      const tree = this.tree(trx);
      if (pending.length === 0) {
        const size = await tree.size();
        return { appended: 0, size };
      }
      const result = await tree.appendLeafHashes(pending.map((p) => p.leafHash));
      await queue.assign(
        trx,
        pending.map((p) => p.key),
        result.firstIndex,
      );
      await this.#o.afterAppend?.(trx);
      const note = await signCheckpoint(
        { origin: this.origin, size: result.size, root: result.root, extensions: [] },
        [signer],
      );
      await trx
        .insertInto('tlog_checkpoints')
        .values({ log_id: this.origin, size: result.size, note, created_at: (this.#o.now ?? Date.now)() })
        .execute();
      return { appended: pending.length, size: result.size, checkpoint: note };
    });
    // Published (returned, served) only once its commit is on disk.
    if (result.checkpoint !== undefined) await this.#publishable(result.size);
    return result;
  }

  /**
   * Resolves when checkpoints up to `size` may be published: a flush begun after their commit
   * resolved. A failed flush leaves the log unpublishable beyond the last durable size for the
   * rest of the process: after a failed fsync the kernel may have dropped the unwritten pages
   * while reporting a later fsync as successful, so only a restart (and a look at the disk) can
   * tell what survived. Readers in other processes flush too (an fsync covers every write to the
   * file, whoever made it), so no process serves a checkpoint before it is durable.
   */
  async #publishable(size: number): Promise<void> {
    if (size <= this.#durableSize) return;
    if (this.#notDurable) throw this.#notDurable;
    try {
      await this.#o.flush?.();
    } catch (err) {
      this.#notDurable ??= new HeraldError(
        'HERALD_ERR_TLOG_NOT_DURABLE',
        { origin: this.origin, size, cause: String((err as { code?: unknown }).code ?? 'flush failed') },
        { cause: err },
      );
    }
    if (this.#notDurable) throw this.#notDurable;
    this.#durableSize = Math.max(this.#durableSize, size);
  }

  /** Runs {@link sequence} until nothing is pending; returns the total integrated. */
  async sequenceAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const { appended } = await this.sequence();
      total += appended;
      if (appended === 0) return total;
    }
  }

  /**
   * `GET /v1/tlog/:log/checkpoint`: the latest signed checkpoint, or undefined for an empty log.
   * Throws `HERALD_ERR_TLOG_NOT_DURABLE` rather than serve one that may not be on disk.
   */
  async checkpoint(): Promise<string | undefined> {
    const row = await this.#o.db
      .selectFrom('tlog_checkpoints')
      .select(['size', 'note'])
      .where('log_id', '=', this.origin)
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) await this.#publishable(Number(row.size));
    return row?.note;
  }

  /** Every checkpoint the log published, smallest size first (durable, as {@link checkpoint}). */
  async checkpoints(): Promise<Array<{ size: number; note: string }>> {
    const rows = await this.#o.db
      .selectFrom('tlog_checkpoints')
      .select(['size', 'note'])
      .where('log_id', '=', this.origin)
      .orderBy('size')
      .execute();
    const last = rows.at(-1);
    if (last) await this.#publishable(Number(last.size));
    return rows.map((r) => ({ size: Number(r.size), note: r.note }));
  }

  /** `GET /v1/tlog/:log/proof/inclusion?index&size`: RFC 9162 §2.1.3 proof as JSON (docs/tlog.md). */
  async inclusionProof(index: number, size: number): Promise<InclusionProofJson> {
    return inclusionProofToJson(await this.tree().inclusionProof(leafIndex(index), treeSize(size)));
  }

  /** `GET /v1/tlog/:log/proof/consistency?from&to`: RFC 9162 §2.1.4 proof as JSON. */
  async consistencyProof(size1: number, size2: number): Promise<ConsistencyProofJson> {
    return consistencyProofToJson(await this.tree().consistencyProof(treeSize(size1), treeSize(size2)));
  }
}
