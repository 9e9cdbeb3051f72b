// Benchmark of the sealed journal on SQLite, against a plain SQLite insert of the same records
// measured in the same run: both take turns in rounds (so a noisy neighbour hits both alike),
// both commit through the store's transaction runner (WAL, fsynced before a commit counts), in
// transactions of 1,000 records, with cached prepared statements. Prints figures and ratios;
// never asserts.
//
//   node --import tsx bench/journal/journal.bench.ts [--leaves 100000] [--rounds 3] [--round-size 20000]
//
// --leaves sets the tree size for the proof and verification figures (1000000 for the
// documented run; CI does not run benchmarks).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  FileKeyVault,
  Journal,
  parseRetentionClasses,
  verifyLog,
  type JournalRecord,
} from '../../packages/herald/src/journal/index.ts';
import { journalLeafQueue } from '../../packages/herald/src/journal/journal-leaf-queue.ts';
import {
  insertJournalRecord,
  JOURNAL_RECORD_COLUMNS,
} from '../../packages/herald/src/journal/journal-record-insert.ts';
import { insertRows } from '../../packages/herald/src/storage/insert-rows.ts';
import { Store } from '../../packages/herald/src/storage/store.ts';
import {
  generateNoteKey,
  hashLeaf,
  leafIndex,
  MerkleTree,
  parseSignerKey,
  parseVerifierKey,
  treeSize,
  type HashStore,
} from '../../packages/herald/src/tlog/index.ts';
import { SqlHashStore } from '../../packages/herald/src/tlog/sql-hash-store.ts';
import { NodeRowStore, type SqliteHandle } from './node-row-store.ts';
import { createOldLayout, insertOldRecord, integrateOld } from './record-row-layout.ts';

const { values } = parseArgs({
  options: {
    leaves: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    'round-size': { type: 'string', default: '20000' },
    proofs: { type: 'string', default: '5000' },
  },
});
const N = Number(values.leaves);
const ROUNDS = Number(values.rounds);
const ROUND = Number(values['round-size']);
const PROOFS = Number(values.proofs);
const TX = 1000; // records per transaction (the accept path groups commits similarly)
const BATCH = 20_000; // most leaves one sequencer run integrates
const SINGLE_N = 10_000;

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const row = (name: string, value: string, ratio = ''): void =>
  console.log(`  ${name.padEnd(56)} ${value.padStart(22)}  ${ratio}`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// CPU time of this process (user + system, µs): unlike wall time, other tenants of a shared
// machine barely move it. better-sqlite3 runs on this thread, so SQLite's work is included.
const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const record = (i: number): JournalRecord => ({
  tenantId: 'ten_bench',
  messageId: `msg_${i}`,
  kind: 'message',
  retention: '30d',
  labels: ['bench'],
  recipients: [`+4475${String(i).padStart(8, '0')}`],
  content: { text: `Your one-time code is ${i % 1_000_000}. Do not share it.` },
  decision: { route: ['sms'], reasons: ['journal: sealed'], policyVersion: 'p1' },
  attempts: [],
});

const dir = mkdtempSync(join(process.env.HERALD_BENCH_DIR ?? tmpdir(), 'herald-journal-bench-'));
try {
  const store = await Store.open(join(dir, 'herald.db'));
  const vault = await FileKeyVault.generate(join(dir, 'archive.key'));
  const key = generateNoteKey('bench.herald/journal');
  const archivePublicKey = await vault.publicKey();
  // The strict single-shot comparison gets its own database: a database holds one journal log.
  const singleStore = await Store.open(join(dir, 'single.db'));
  const mk = (s: Store, origin: string, perEnc: number): Journal =>
    new Journal({
      db: s.conn.db,
      dialect: 'sqlite',
      ...(s.conn.sqlite ? { sqlite: s.conn.sqlite } : {}),
      origin,
      signer: parseSignerKey(key.signerKey),
      archivePublicKey,
      retention: parseRetentionClasses(),
      sealing: { recordsPerEncapsulation: perEnc },
      maxBatch: BATCH,
    });
  const journal = mk(store, 'bench.herald/journal', 64);
  const single = mk(singleStore, 'bench.herald/single', 1);
  console.log(
    `journal benchmark: rounds of ${fmt(ROUND)} records, ${fmt(N)} leaves for proofs and verification, SQLite WAL, node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );

  const capture = async (s: Store, j: Journal, from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += TX) {
      await s.tx.run(async (trx) => {
        for (let k = i; k < Math.min(to, i + TX); k++) await j.capture(trx, record(k));
      });
    }
  };
  // Baseline: the same records as JSON in a plain two-column table, same transactions and runner.
  await store.conn.db.schema
    .createTable('bench_plain')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  const plain = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i += TX) {
      await store.tx.run(async (trx) => {
        const rows = [];
        for (let k = i; k < Math.min(to, i + TX); k++)
          rows.push({ id: `p${k}`, body: JSON.stringify(record(k)) });
        // The bench table is not in Herald's schema type; insertRows only needs the column names.
        await insertRows(trx, 'sqlite', 'bench_plain' as 'tenants', rows as never, store.conn.sqlite);
      });
    }
  };

  const base: number[] = [];
  const sealed: number[] = [];
  const cap: number[] = [];
  const seq: number[] = [];
  const cpuBase: number[] = [];
  const cpuCap: number[] = [];
  const cpuSeq: number[] = [];
  let next = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    let u = cpu();
    await plain(next, next + ROUND);
    base.push(ROUND / ((performance.now() - t) / 1000));
    cpuBase.push((cpu() - u) / ROUND);
    t = performance.now();
    u = cpu();
    await capture(store, journal, next, next + ROUND);
    const c = performance.now() - t;
    cpuCap.push((cpu() - u) / ROUND);
    t = performance.now();
    u = cpu();
    await journal.log.sequenceAll();
    const s = performance.now() - t;
    cpuSeq.push((cpu() - u) / ROUND);
    cap.push(ROUND / (c / 1000));
    seq.push(ROUND / (s / 1000));
    sealed.push(ROUND / ((c + s) / 1000));
    next += ROUND;
  }
  const plainRate = median(base);
  const rate = median(sealed);
  row(
    'plain SQLite insert (baseline)',
    `${fmt(plainRate)} rec/s`,
    `rounds: ${base.map((x) => fmt(x)).join(', ')}`,
  );
  row(
    'sealed + appended + integrated (64 per HPKE enc)',
    `${fmt(rate)} rec/s`,
    `${(rate / plainRate).toFixed(2)}× baseline (rounds: ${sealed.map((x, i) => (x / base[i]!).toFixed(2)).join(', ')})`,
  );
  row('  of which capture (seal + insert)', `${fmt(median(cap))} rec/s`);
  row('  of which sequencing (tree + checkpoint)', `${fmt(median(seq))} leaves/s`);
  const cpuSealed = median(cpuCap) + median(cpuSeq);
  row('CPU per record: plain insert (baseline)', `${fmt(median(cpuBase), 1)} µs`);
  row(
    'CPU per record: sealed + appended + integrated',
    `${fmt(cpuSealed, 1)} µs`,
    `${(cpuSealed / median(cpuBase)).toFixed(2)}× baseline; one core's worth: ${fmt(1e6 / cpuSealed)} rec/s`,
  );
  row('  of which capture', `${fmt(median(cpuCap), 1)} µs`);
  row('  of which sequencing', `${fmt(median(cpuSeq), 1)} µs`);

  // What the storage layer writes per record, before migration 0012 (leaf index in the record
  // row) and after (journal_pending + journal_leaves, ADR 0015): the same stored rows, in a
  // database of their own, through the same runner, old and new taking turns. Capture's writes
  // (in transactions of 1,000) and the sequencer's queue reads and writes (one transaction per
  // round), without the sealing and the tree, which do not differ.
  const layoutDb = await Store.open(join(dir, 'layouts.db'));
  const rawLayouts = layoutDb.conn.sqlite!;
  const oldHandle = rawLayouts as unknown as SqliteHandle;
  createOldLayout(oldHandle);
  const queue = journalLeafQueue('sqlite', rawLayouts);
  const stored = await store.conn.db
    .selectFrom('journal_records')
    .select([...JOURNAL_RECORD_COLUMNS])
    .orderBy('id')
    .limit(ROUNDS * ROUND)
    .execute();
  const layoutCpu = {
    oldCapture: [] as number[],
    newCapture: [] as number[],
    oldSeq: [] as number[],
    newSeq: [] as number[],
  };
  for (let r = 0; r < ROUNDS; r++) {
    const rows = stored.slice(r * ROUND, (r + 1) * ROUND);
    for (const which of r % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
      let u = cpu();
      for (let i = 0; i < rows.length; i += TX) {
        await layoutDb.tx.run(async (trx) => {
          for (const row of rows.slice(i, i + TX)) {
            if (which === 'old') insertOldRecord(oldHandle, row);
            else await insertJournalRecord(trx, 'sqlite', row, rawLayouts);
          }
        });
      }
      layoutCpu[which === 'old' ? 'oldCapture' : 'newCapture'].push((cpu() - u) / rows.length);
      u = cpu();
      await layoutDb.tx.run(async (trx) => {
        if (which === 'old') integrateOld(oldHandle, r * ROUND, rows.length);
        else {
          const p = await queue.pending(trx, rows.length);
          await queue.assign(
            trx,
            p.map((x) => x.key),
            r * ROUND,
          );
        }
      });
      layoutCpu[which === 'old' ? 'oldSeq' : 'newSeq'].push((cpu() - u) / rows.length);
    }
  }
  // Reading the stored rows in leaf order, as verification does (pages of 5,000): by the index
  // on the record row's leaf_index before 0012, through the journal_leaves join after.
  const readCpu = { old: [] as number[], new: [] as number[] };
  const readOld = oldHandle.prepare(
    'select * from bench_old_records where leaf_index >= ? and leaf_index < ? order by leaf_index',
  );
  const readNew = oldHandle.prepare(
    'select r.*, l.leaf_index from journal_leaves l join journal_records r on r.id = l.record_id where l.leaf_index >= ? and l.leaf_index < ? order by l.leaf_index',
  );
  for (let r = 0; r < 3; r++) {
    for (const which of r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
      const u = cpu();
      let n = 0;
      for (let from = 0; ; from += 5000) {
        const page = (which === 'old' ? readOld : readNew).all(from, from + 5000);
        if (page.length === 0) break;
        n += page.length;
      }
      readCpu[which].push((cpu() - u) / Math.max(1, n));
    }
  }
  row(
    'storage alone, record row (before 0012): reading in leaf order',
    `${fmt(median(readCpu.old), 2)} µs CPU`,
  );
  row(
    '  journal_leaves joined to journal_records: reading',
    `${fmt(median(readCpu.new), 2)} µs CPU`,
    `${(median(readCpu.new) / median(readCpu.old)).toFixed(2)}× record row`,
  );
  await layoutDb.close();
  const lc = (k: keyof typeof layoutCpu): number => median(layoutCpu[k]);
  row('storage alone, record row (before 0012): capture writes', `${fmt(lc('oldCapture'), 1)} µs CPU`);
  row(
    '  journal_pending + journal_leaves: capture writes',
    `${fmt(lc('newCapture'), 1)} µs CPU`,
    `${(lc('newCapture') / lc('oldCapture')).toFixed(2)}× record row`,
  );
  row('storage alone, record row (before 0012): sequencer queue', `${fmt(lc('oldSeq'), 1)} µs CPU`);
  row(
    '  journal_pending + journal_leaves: sequencer queue',
    `${fmt(lc('newSeq'), 1)} µs CPU`,
    `${(lc('newSeq') / lc('oldSeq')).toFixed(2)}× record row`,
  );

  let t = performance.now();
  await capture(singleStore, single, 0, SINGLE_N);
  await single.log.sequenceAll();
  const singleRate = SINGLE_N / ((performance.now() - t) / 1000);
  row(
    'sealed, strict single-shot HPKE per record',
    `${fmt(singleRate)} rec/s`,
    `${(singleRate / plainRate).toFixed(2)}× baseline`,
  );
  await singleStore.close();

  // Fill to N leaves through the same sealed path, then measure proofs and verification.
  t = performance.now();
  const filledFrom = next;
  while (next < N) {
    const to = Math.min(N, next + 100_000);
    await capture(store, journal, next, to);
    await journal.log.sequenceAll();
    next = to;
    process.stderr.write(`\r  filled ${fmt(next)} leaves`);
  }
  process.stderr.write('\n');
  const fillS = (performance.now() - t) / 1000;
  if (next > filledFrom)
    row(
      `filled to ${fmt(next)} sealed leaves`,
      `${fmt(fillS, 1)} s`,
      `${fmt((next - filledFrom) / fillS)} rec/s`,
    );

  const size = await journal.log.tree().size();
  const lat = new Float64Array(PROOFS);
  let seed = 0x9e3779b9;
  const rand = (n: number): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 200; i++) await journal.log.inclusionProof(rand(size), size); // warm-up
  t = performance.now();
  const proofU = cpu();
  for (let i = 0; i < PROOFS; i++) {
    const s = performance.now();
    await journal.log.inclusionProof(rand(size), size);
    lat[i] = performance.now() - s;
  }
  const proofRate = PROOFS / ((performance.now() - t) / 1000);
  const journalProofCpu = (cpu() - proofU) / PROOFS;
  lat.sort();
  const q = (p: number): number => lat[Math.floor(p * (PROOFS - 1))]! * 1000;
  row(`inclusion proofs at ${fmt(size)} leaves (JSON, from SQLite)`, `${fmt(proofRate)} proofs/s`);
  row('  latency p50 / p99 / max', `${fmt(q(0.5))} / ${fmt(q(0.99))} / ${fmt(q(1))} µs`);
  row('  CPU per proof', `${fmt(journalProofCpu, 1)} µs`);

  // The tree store alone, tiles against the node rows they replaced (migration 0011), in the same
  // run and database: the same leaves appended in the sequencer's batches, each in a transaction,
  // then the same random inclusion proofs (without JSON) at the same size.
  type Db = typeof store.conn.db;
  const oldStore = new NodeRowStore(store.conn.sqlite as unknown as SqliteHandle, 'bench/nodes');
  const layouts: Array<{ name: string; make: (db: Db) => HashStore }> = [
    { name: 'node rows (before 0011)', make: () => oldStore },
    { name: 'tiles', make: (db) => new SqlHashStore(db, 'sqlite', 'bench/tiles') },
  ];
  const appendCpu = layouts.map(() => 0);
  for (let from = 0; from < size; from += BATCH) {
    const n = Math.min(BATCH, size - from);
    const leaves = Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf ${from + i}`)));
    for (const [k, { make }] of layouts.entries()) {
      const u = cpu();
      await store.tx.run((trx) => new MerkleTree(make(trx)).appendLeafHashes(leaves));
      appendCpu[k]! += cpu() - u;
    }
  }
  const proofCpu: number[] = [];
  for (const [k, { name, make }] of layouts.entries()) {
    const tree = new MerkleTree(make(store.conn.db));
    for (let i = 0; i < 200; i++) await tree.inclusionProof(leafIndex(rand(size)), treeSize(size));
    const l = new Float64Array(PROOFS);
    const u = cpu();
    for (let i = 0; i < PROOFS; i++) {
      const s = performance.now();
      await tree.inclusionProof(leafIndex(rand(size)), treeSize(size));
      l[i] = performance.now() - s;
    }
    proofCpu.push((cpu() - u) / PROOFS);
    l.sort();
    const lq = (p: number): number => l[Math.floor(p * (PROOFS - 1))]! * 1000;
    row(
      `tree store, ${name}: append CPU per leaf`,
      `${fmt(appendCpu[k]! / size, 1)} µs`,
      k > 0 ? `${(appendCpu[k]! / appendCpu[0]!).toFixed(2)}× node rows` : '',
    );
    row(
      `  proof CPU / p50 / p99`,
      `${fmt(proofCpu[k]!, 0)} / ${fmt(lq(0.5))} / ${fmt(lq(0.99))} µs`,
      k > 0 ? `CPU ${(proofCpu[k]! / proofCpu[0]!).toFixed(2)}× node rows` : '',
    );
  }

  // Verification against reading the same rows without checking anything.
  t = performance.now();
  let readU = cpu();
  let read = 0;
  for (let from = 0; ; from += 5000) {
    const rows = await store.conn.db
      .selectFrom('journal_leaves as l')
      .innerJoin('journal_records as r', 'r.id', 'l.record_id')
      .selectAll()
      .where('l.leaf_index', '>=', from)
      .where('l.leaf_index', '<', from + 5000)
      .execute();
    read += rows.length;
    if (rows.length === 0) break;
  }
  const readS = (performance.now() - t) / 1000;
  readU = (cpu() - readU) / 1e6;
  row(`reading the ${fmt(read)} rows alone (baseline)`, `${fmt(readS, 1)} s`, `CPU ${fmt(readU, 1)} s`);
  const trust = { origin: 'bench.herald/journal', verifiers: [parseVerifierKey(key.verifierKey)] };
  // One thread, then a second thread with its own read connection scanning the upper half.
  let verifyS = Infinity;
  for (const threads of [1, 2]) {
    t = performance.now();
    const verifyU = cpu();
    const report = await verifyLog(
      store.conn.db,
      'sqlite',
      'journal',
      trust,
      undefined,
      threads > 1 ? { url: join(dir, 'herald.db') } : {},
    );
    const s = (performance.now() - t) / 1000;
    verifyS = Math.min(verifyS, s);
    const verifyCpu = (cpu() - verifyU) / 1e6;
    row(
      `full verification of ${fmt(report.size)} leaves, ${threads} thread${threads > 1 ? 's' : ''}`,
      `${fmt(s, 1)} s`,
      `CPU ${fmt(verifyCpu, 1)} s (all threads), ${(verifyCpu / readU).toFixed(1)}× the read's; ${report.ok ? `ok, ${report.checkpoints} checkpoints` : 'FAILED'}`,
    );
  }
  console.log(
    `\ntargets: >= 20,000 sealed rec/s: ${rate >= 20_000 ? 'met' : 'NOT met'}; proofs < 1 ms at p99: ${q(0.99) < 1000 ? 'met' : 'NOT met'}; verify 1M < 30 s: ${N >= 1_000_000 ? (verifyS < 30 ? 'met' : 'NOT met') : 'n/a (run with --leaves 1000000)'}`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
