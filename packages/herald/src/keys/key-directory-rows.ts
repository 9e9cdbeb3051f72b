import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { Hash } from '../tlog/index.ts';
import { directoryLeafHash, type KeyDirectoryEntry } from './key-directory-entry.ts';

/** One integrated key directory entry as a verifier sees it (the shape of `journal/log-rows.ts`). */
export interface DirectoryLogRow {
  readonly id: string;
  readonly index: number;
  /** The leaf hash recomputed from the stored entry text. */
  readonly leafHash: Hash;
  readonly shredded: false;
  /** Why the row itself is inconsistent. */
  readonly problem?: string;
}

/**
 * Reads up to `limit` integrated key directory entries with `leaf_index >= from`, in leaf order,
 * and recomputes each leaf from the stored entry text. The server finds a device's key through
 * the row's columns (tenant, user, device), not the text, so a row whose columns say something
 * other than its entry is reported too: edited columns would serve one device's key as another's.
 */
export async function readDirectoryRows(
  db: Kysely<Database>,
  from: number,
  limit: number,
): Promise<DirectoryLogRow[]> {
  const rows = await db
    .selectFrom('key_directory_entries')
    .select(['id', 'tenant_id', 'user_id', 'device_id', 'action', 'at', 'entry', 'leaf_index'])
    .where('leaf_index', '>=', from)
    .orderBy('leaf_index')
    .limit(limit)
    .execute();
  return rows.map((r) => {
    const problem = columnsProblem(r);
    return {
      id: r.id,
      index: Number(r.leaf_index),
      leafHash: directoryLeafHash(r.entry),
      shredded: false,
      ...(problem === undefined ? {} : { problem }),
    };
  });
}

function columnsProblem(r: {
  tenant_id: string;
  user_id: string;
  device_id: string;
  action: string;
  at: number;
  entry: string;
}): string | undefined {
  let e: Partial<KeyDirectoryEntry> | null;
  try {
    e = JSON.parse(r.entry) as Partial<KeyDirectoryEntry> | null;
  } catch {
    return 'its entry is not JSON';
  }
  if (typeof e !== 'object' || e === null) return 'its entry is not a JSON object';
  const differs =
    e.tenant !== r.tenant_id ||
    e.user !== r.user_id ||
    e.device !== r.device_id ||
    e.action !== r.action ||
    e.at !== Number(r.at);
  return differs ? 'its columns (tenant, user, device, action, time) do not match its entry' : undefined;
}
