import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import {
  CompactRange,
  hashEquals,
  openCheckpoint,
  MerkleTree,
  treeSize,
  verifyConsistency,
  type CheckpointTrust,
  type Hash,
} from '../tlog/index.ts';
import { SqlHashStore } from '../tlog/sql-hash-store.ts';
import type { DialectName } from '../storage/connect.ts';
import { countPending, readLogRows, type LogKind } from './log-rows.ts';
import type { ProgressStream } from './progress-bar.ts';
import { progressBar } from './progress-bar.ts';

/** The first thing found wrong. */
export interface BadEntry {
  /** The leaf index, or the checkpoint size for a checkpoint problem. */
  readonly index: number;
  /** The record or event id, when the problem is with one row. */
  readonly id?: string;
  readonly problem: string;
}

/** The outcome of a verification. A failure is a value, not an exception. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly origin: string;
  /** Leaves checked. */
  readonly size: number;
  readonly checkpoints: number;
  /** Records whose data key was destroyed (their leaves still verify). */
  readonly shredded: number;
  /** Entries captured but not yet integrated by the sequencer. */
  readonly pending: number;
  readonly firstBad?: BadEntry;
}

const PAGE = 5000;

/**
 * Verifies a log in the database end to end: every checkpoint's signature and origin, every leaf
 * recomputed from its stored row against the stored leaf hash, every checkpoint's root against
 * the root of the recomputed leaves, the stored tree against the latest checkpoint, and RFC 9162
 * consistency between consecutive checkpoints. Stops at the first bad entry and names it.
 */
export async function verifyLog(
  db: Kysely<Database>,
  dialect: DialectName,
  kind: LogKind,
  trust: CheckpointTrust,
  progress?: ProgressStream,
): Promise<VerifyReport> {
  const origin = trust.origin;
  const store = new SqlHashStore(db, dialect, origin);
  const tree = new MerkleTree(store);
  const size = await tree.size();
  const pending = await countPending(db, kind);
  const base = { origin, size, pending };
  const rows = await db
    .selectFrom('tlog_checkpoints')
    .select(['size', 'note'])
    .where('log_id', '=', origin)
    .orderBy('size')
    .execute();
  const checkpoints: Array<{ size: number; root: Hash }> = [];
  for (const r of rows) {
    try {
      const { checkpoint } = openCheckpoint(r.note, trust);
      if (checkpoint.size !== Number(r.size)) throw new Error(`it says size ${checkpoint.size}`);
      if (checkpoint.size > size) throw new Error(`it is beyond the stored log size ${size}`);
      checkpoints.push({ size: checkpoint.size, root: checkpoint.root });
    } catch (err) {
      const bad = {
        index: Number(r.size),
        problem: `the checkpoint at size ${r.size} is invalid: ${(err as Error).message}`,
      };
      return { ...base, ok: false, checkpoints: checkpoints.length, shredded: 0, firstBad: bad };
    }
  }
  const fail = (firstBad: BadEntry, shredded: number): VerifyReport => ({
    ...base,
    ok: false,
    checkpoints: checkpoints.length,
    shredded,
    firstBad,
  });

  const bar = progress && progressBar(progress, `verify ${origin}`, size);
  const range = new CompactRange();
  let shredded = 0;
  let next = 0;
  let cp = 0;
  while (checkpoints[cp]?.size === 0) cp++;
  while (next < size) {
    const page = await readLogRows(db, kind, next, PAGE);
    const stored = await store.leafHashes(next, page.length);
    for (let k = 0; k < page.length; k++) {
      const row = page[k]!;
      if (row.index !== next) return fail({ index: next, problem: `entry ${next} is missing` }, shredded);
      if (row.problem) return fail({ index: next, id: row.id, problem: row.problem }, shredded);
      const leaf = stored[k];
      if (leaf === undefined || !hashEquals(leaf, row.leafHash)) {
        return fail(
          { index: next, id: row.id, problem: 'the stored row does not match its leaf in the log' },
          shredded,
        );
      }
      if (row.shredded) shredded++;
      range.append(row.leafHash);
      next++;
      while (checkpoints[cp]?.size === next) {
        if (!hashEquals(range.root(), checkpoints[cp]!.root)) {
          const from = cp > 0 ? checkpoints[cp - 1]!.size : 0;
          return fail(
            {
              index: next,
              problem: `the leaves do not match the signed checkpoint at size ${next}: a leaf in [${from}, ${next}) was changed`,
            },
            shredded,
          );
        }
        cp++;
      }
    }
    bar?.update(next);
    if (page.length === 0) return fail({ index: next, problem: `entry ${next} is missing` }, shredded);
  }
  bar?.finish();
  // The stored interior nodes serve proofs: they must agree with the checkpoints too.
  for (let i = 0; i < checkpoints.length; i++) {
    const c = checkpoints[i]!;
    if (!hashEquals(await tree.root(treeSize(c.size)), c.root)) {
      return fail(
        { index: c.size, problem: `the stored tree does not match the checkpoint at size ${c.size}` },
        shredded,
      );
    }
    const prev = checkpoints[i - 1];
    if (
      prev &&
      !verifyConsistency(
        await tree.consistencyProof(treeSize(prev.size), treeSize(c.size)),
        prev.root,
        c.root,
      )
    ) {
      return fail(
        { index: c.size, problem: `no consistency between checkpoints ${prev.size} and ${c.size}` },
        shredded,
      );
    }
  }
  return { ...base, ok: true, checkpoints: checkpoints.length, shredded };
}
