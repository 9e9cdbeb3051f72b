import type { Database as BetterSqlite } from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import { monotonicId } from './monotonic-id.ts';
import { HeraldError } from '../errors/index.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import type { JournalRecord } from './journal-record.ts';
import { journalLeafHash } from './journal-leaf.ts';
import { journalLeafQueue } from './journal-leaf-queue.ts';
import { insertJournalRecord } from './journal-record-insert.ts';
import { RecordSealer, sealedKeyDigest, type RecordSealerOptions } from './record-envelope.ts';
import type { RetentionClasses } from './retention.ts';
import { subjectHash } from './subject-hash.ts';
import { TransparencyLog, type TransparencyLogOptions } from './transparency-log.ts';

/** Configuration of the journal on the gateway (which holds only the archive public key). */
export interface JournalOptions extends Omit<TransparencyLogOptions, 'queue'> {
  readonly archivePublicKey: Uint8Array;
  readonly retention: RetentionClasses;
  readonly sealing?: RecordSealerOptions;
  /**
   * The raw better-sqlite3 handle under `db` (`Connection.sqlite`), when there is one: captures
   * then insert through cached prepared statements instead of Kysely's per-query machinery.
   */
  readonly sqlite?: BetterSqlite;
}

/**
 * The sealed journal (DESIGN decision 8). `capture` seals a record to the archive key and stores
 * it inside the caller's accept/dispatch transaction, before transmission; `log.sequence()`
 * integrates captured records as leaves of the journal's RFC 9162 log and signs a checkpoint.
 */
export class Journal {
  readonly log: TransparencyLog;
  readonly #sealer: RecordSealer;
  readonly #retention: RetentionClasses;
  readonly #now: () => number;
  readonly #dialect: DialectName;
  readonly #sqlite: BetterSqlite | undefined;

  constructor(opts: JournalOptions) {
    this.#dialect = opts.dialect;
    this.#sqlite = opts.sqlite;
    this.log = new TransparencyLog({ ...opts, queue: journalLeafQueue(opts.dialect, opts.sqlite) });
    this.#sealer = new RecordSealer(opts.archivePublicKey, opts.sealing);
    this.#retention = opts.retention;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Seals `record` and stores it in `trx`; returns the record id. Only metadata is stored in
   * clear (tenant, message id, kind, retention class, labels, hashed subjects). Throws
   * `HERALD_ERR_MESSAGE_UNKNOWN_RETENTION` for a class the configuration does not define.
   */
  async capture(trx: Transaction<Database> | Kysely<Database>, record: JournalRecord): Promise<string> {
    const keepFor = this.#retention.get(record.retention);
    if (keepFor === undefined) {
      throw new HeraldError('HERALD_ERR_MESSAGE_UNKNOWN_RETENTION', { retention: record.retention });
    }
    const id = monotonicId('jr');
    const capturedAt = this.#now();
    const people = [...record.recipients, ...(record.from === undefined ? [] : [record.from])];
    const subjects = [...new Set(people.map((p) => subjectHash(record.tenantId, p)))];
    const labels = [...(record.labels ?? [])];
    const sealed = this.#sealer.seal(id, Buffer.from(JSON.stringify(record), 'utf8'));
    const keyDigest = sealedKeyDigest(sealed.enc, sealed.encSeq, sealed.sealedKey!);
    const leafHash = journalLeafHash({
      id,
      tenantId: record.tenantId,
      messageId: record.messageId ?? null,
      kind: record.kind,
      retention: record.retention,
      capturedAt,
      labels,
      subjects,
      keyDigest,
      ciphertext: sealed.ciphertext,
    });
    await insertJournalRecord(
      trx,
      this.#dialect,
      {
        id,
        tenant_id: record.tenantId,
        message_id: record.messageId ?? null,
        retention: record.retention,
        captured_at: capturedAt,
        expires_at: capturedAt + keepFor,
        labels: JSON.stringify(labels),
        subjects: JSON.stringify(subjects),
        kind: record.kind,
        enc: asBuffer(sealed.enc),
        enc_seq: sealed.encSeq,
        sealed_key: asBuffer(sealed.sealedKey!),
        key_digest: keyDigest,
        ciphertext: asBuffer(sealed.ciphertext),
        leaf_hash: asBuffer(leafHash),
      },
      this.#sqlite,
    );
    return id;
  }
}

/** A Buffer over the same memory (the drivers bind Buffers as blobs); no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
