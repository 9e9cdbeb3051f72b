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
import { Worker } from 'node:worker_threads';
import { SqlHashStore } from '../tlog/sql-hash-store.ts';
import type { DialectName } from '../storage/connect.ts';
import { countPending, type LogKind } from './log-rows.ts';
import type { ProgressStream } from './progress-bar.ts';
import { progressBar } from './progress-bar.ts';
import { scanLeaves, type BadEntry, type LeafScan } from './verify-leaves.ts';
import type { ScanJob } from './verify-log-worker.ts';

export type { BadEntry } from './verify-leaves.ts';

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

/** Options of {@link verifyLog}. */
export interface VerifyLogOptions {
  /**
   * The database URL behind `db`. With it, a second thread with its own read connection scans
   * the upper half of the leaves while this one scans the lower half (reading and hashing the
   * rows is nearly all of a verification). Not for `:memory:` databases.
   */
  readonly url?: string;
  /**
   * The smallest log split across two threads. Default 250,000: starting the thread (loading the
   * TypeScript modules and a connection) costs seconds of CPU, which pays off only on large logs.
   */
  readonly threadFrom?: number;
}

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
  opts: VerifyLogOptions = {},
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
  const split = opts.url !== undefined && opts.url !== ':memory:' && size >= (opts.threadFrom ?? 250_000);
  const mid = split ? Math.floor(size / 2) : size;
  const upper = split ? scanInWorker({ url: opts.url!, kind, origin, from: mid, to: size }) : undefined;
  // Keep a rejection of the upper scan from going unhandled while the lower one runs.
  upper?.catch(() => undefined);
  const lower = await scanLeaves(db, dialect, kind, origin, 0, mid, (done) => bar?.update(done));
  const scans = [lower];
  if (lower.firstBad === undefined && upper) scans.push(await upper);
  else if (upper) await upper.catch(() => undefined);
  // The leaves in index order: each checkpoint is checked as soon as its size is reached, so the
  // first problem reported is the one at the lowest index, as in a single pass.
  const range = new CompactRange();
  let shredded = 0;
  let cp = 0;
  while (checkpoints[cp]?.size === 0) cp++;
  for (const scan of scans) {
    shredded += scan.shredded;
    for (let k = 0; k < scan.count; k++) {
      range.append(scan.hashes.subarray(k * 32, (k + 1) * 32));
      const next = scan.from + k + 1;
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
    if (scan.firstBad) return fail(scan.firstBad, shredded);
    bar?.update(scan.from + scan.count);
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

// A worker does not inherit the main thread's TypeScript loader (`bin/herald.mjs` registers tsx
// in-process), so its entry registers tsx before importing the worker module.
// (Built on first use, so loading this module never depends on resolving tsx.)
const workerBootstrap = (): URL =>
  new URL(
    `data:text/javascript,${encodeURIComponent(
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(new URL('./verify-log-worker.ts', import.meta.url).href)});`,
    )}`,
  );

/** Runs {@link scanLeaves} for one range on a second thread with its own connection. */
function scanInWorker(job: ScanJob): Promise<LeafScan> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerBootstrap(), { workerData: job });
    let result: LeafScan | undefined;
    worker.once('message', (scan: LeafScan) => (result = scan));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`the verification thread exited with code ${code}`)),
    );
  });
}
