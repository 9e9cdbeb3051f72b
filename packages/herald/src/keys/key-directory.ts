import type { Kysely, Transaction } from 'kysely';
import type { TenantId } from '../ids.ts';
import { monotonicId } from '../journal/monotonic-id.ts';
import { tableLeafQueue } from '../journal/table-leaf-queue.ts';
import { TransparencyLog, type TransparencyLogOptions } from '../journal/transparency-log.ts';
import type { Database } from '../storage/schema.ts';
import type { Hash } from '../tlog/index.ts';
import { directoryLeafHash, encodeDirectoryEntry, type DirectoryAction } from './key-directory-entry.ts';

/** Configuration of the key directory's log: origin `<prefix>/keys`, and its signer where it sequences. */
export type KeyDirectoryOptions = Omit<TransparencyLogOptions, 'queue'>;

/** One entry as clients see it: the exact JSON text, and its leaf index once integrated. */
export interface DirectoryRecord {
  readonly entry: string;
  readonly leafIndex: number | null;
}

/** A change of a device key to record. */
export interface DirectoryChange {
  readonly action: DirectoryAction;
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly deviceId: string;
  readonly key: Uint8Array;
  readonly at: number;
}

/**
 * The key directory: every publication, rotation and revocation of a device key is an entry, and
 * each entry is a leaf of the `keys` RFC 9162 log (its own origin and signer), so clients can
 * check that the key they encrypt to is the one everyone else sees. Entries are recorded in the
 * caller's transaction (the device change and its entry commit together); the sequencer
 * (`log.sequence()`) integrates them, as for the journal and the audit log.
 */
export class KeyDirectory {
  readonly log: TransparencyLog;
  readonly #db: Kysely<Database>;
  readonly #sequences: boolean;

  constructor(opts: KeyDirectoryOptions) {
    this.log = new TransparencyLog({ ...opts, queue: tableLeafQueue('key_directory_entries', opts.dialect) });
    this.#db = opts.db;
    this.#sequences = opts.signer !== undefined;
  }

  /** Whether this process holds the signer and so can run the sequencer. */
  get canSequence(): boolean {
    return this.#sequences;
  }

  /** Records `change` in the caller's transaction; returns the entry text and its leaf hash. */
  async append(
    trx: Transaction<Database> | Kysely<Database>,
    change: DirectoryChange,
  ): Promise<{ entry: string; leafHash: Hash }> {
    const entry = encodeDirectoryEntry({
      action: change.action,
      tenant: change.tenantId,
      user: change.userId,
      device: change.deviceId,
      key: change.key,
      at: change.at,
    });
    const leafHash = directoryLeafHash(entry);
    await trx
      .insertInto('key_directory_entries')
      .values({
        id: monotonicId('kde', change.at),
        tenant_id: change.tenantId,
        user_id: change.userId,
        device_id: change.deviceId,
        action: change.action,
        entry,
        at: change.at,
        leaf_hash: Buffer.from(leafHash),
        leaf_index: null,
      })
      .execute();
    return { entry, leafHash };
  }

  /** Every entry of one device of one user in a tenant, oldest first. */
  async entries(tenantId: TenantId, userId: string, deviceId: string): Promise<DirectoryRecord[]> {
    const rows = await this.#db
      .selectFrom('key_directory_entries')
      .select(['entry', 'leaf_index'])
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** The latest entry of each of `deviceIds` (in the tenant), by device id. */
  async latest(
    tenantId: TenantId,
    deviceIds: readonly string[],
    db: Transaction<Database> | Kysely<Database> = this.#db,
  ): Promise<Map<string, DirectoryRecord>> {
    const out = new Map<string, DirectoryRecord>();
    if (deviceIds.length === 0) return out;
    const rows = await db
      .selectFrom('key_directory_entries')
      .select(['device_id', 'entry', 'leaf_index'])
      .where('tenant_id', '=', tenantId)
      .where('device_id', 'in', deviceIds)
      .orderBy('id')
      .execute();
    for (const r of rows) out.set(r.device_id, toRecord(r));
    return out;
  }
}

function toRecord(r: { entry: string; leaf_index: number | null }): DirectoryRecord {
  return { entry: r.entry, leafIndex: r.leaf_index === null ? null : Number(r.leaf_index) };
}
