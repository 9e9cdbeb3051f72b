// Benchmark of the sealed journal on SQLite (WAL, synchronous=FULL), against a plain SQLite insert
// of the same records measured in the same run. Prints figures and ratios; never asserts.
//
//   node --import tsx bench/journal/journal.bench.ts [leaves=1000000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  FileKeyVault,
  Journal,
  parseRetentionClasses,
  verifyLog,
  type JournalRecord,
} from '../../packages/herald/src/journal/index.ts';
import { Store } from '../../packages/herald/src/storage/store.ts';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../packages/herald/src/tlog/index.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const TX = 1000; // records per capture transaction (the accept path groups commits similarly)
const BATCH = 20_000; // leaves per sequencer run
const THROUGHPUT_N = Math.min(N, 100_000);
const PROOFS = 5_000;

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const row = (name: string, value: string, ratio = ''): void =>
  console.log(`  ${name.padEnd(52)} ${value.padStart(20)}  ${ratio}`);

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

const dir = mkdtempSync(join(tmpdir(), 'herald-journal-bench-'));
try {
  const store = await Store.open(join(dir, 'herald.db'));
  const db = store.conn.db;
  const vault = await FileKeyVault.generate(join(dir, 'archive.key'));
  const key = generateNoteKey('bench.herald/journal');
  const archivePublicKey = await vault.publicKey();
  // The strict single-shot comparison gets its own database: a database holds one journal log.
  const singleStore = await Store.open(join(dir, 'single.db'));
  const mk = (perEnc: number): Journal =>
    new Journal({
      db: perEnc === 1 ? singleStore.conn.db : db,
      dialect: 'sqlite',
      origin: perEnc === 1 ? 'bench.herald/single' : 'bench.herald/journal',
      signer: parseSignerKey(key.signerKey),
      archivePublicKey,
      retention: parseRetentionClasses(),
      sealing: { recordsPerEncapsulation: perEnc },
      maxBatch: BATCH,
    });
  const journal = mk(64);
  const single = mk(1);
  console.log(`journal benchmark: ${fmt(N)} leaves, SQLite WAL synchronous=FULL, node ${process.version}`);

  const captureRange = async (j: Journal, from: number, to: number): Promise<void> => {
    const d = j === single ? singleStore.conn.db : db;
    for (let i = from; i < to; i += TX) {
      await d.transaction().execute(async (trx) => {
        for (let k = i; k < Math.min(to, i + TX); k++) await j.capture(trx, record(k));
      });
    }
  };

  // Baseline: the same records, JSON in a plain table, same transaction size.
  await db.schema
    .createTable('bench_plain')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  // The bench table is not in Herald's schema type; this is the subset of Kysely it uses.
  type Plain = { insertInto(t: string): { values(v: object): { execute(): Promise<unknown> } } };
  let t = performance.now();
  for (let i = 0; i < THROUGHPUT_N; i += TX) {
    await db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(THROUGHPUT_N, i + TX); k++) {
        await (trx as unknown as Plain)
          .insertInto('bench_plain')
          .values({ id: `p${k}`, body: JSON.stringify(record(k)) })
          .execute();
      }
    });
  }
  const plainRate = THROUGHPUT_N / ((performance.now() - t) / 1000);
  row('plain SQLite insert (baseline)', `${fmt(plainRate)} rec/s`);

  t = performance.now();
  await captureRange(journal, 0, THROUGHPUT_N);
  const capMs = performance.now() - t;
  const t2 = performance.now();
  await journal.log.sequenceAll();
  const seqMs = performance.now() - t2;
  const rate = THROUGHPUT_N / ((capMs + seqMs) / 1000);
  row(
    'sealed + appended + integrated (64 per HPKE enc)',
    `${fmt(rate)} rec/s`,
    `${(rate / plainRate).toFixed(2)}× baseline`,
  );
  row('  of which capture (seal + insert)', `${fmt(THROUGHPUT_N / (capMs / 1000))} rec/s`);
  row('  of which sequencing (tree + checkpoint)', `${fmt(THROUGHPUT_N / (seqMs / 1000))} leaves/s`);

  const SINGLE_N = Math.min(N, 20_000);
  t = performance.now();
  await captureRange(single, 0, SINGLE_N);
  await single.log.sequenceAll();
  const singleRate = SINGLE_N / ((performance.now() - t) / 1000);
  row(
    'sealed, strict single-shot HPKE per record',
    `${fmt(singleRate)} rec/s`,
    `${(singleRate / plainRate).toFixed(2)}× baseline`,
  );

  // Fill to N leaves with the same sealed path, then measure proofs and verification.
  t = performance.now();
  for (let from = THROUGHPUT_N; from < N; from += 100_000) {
    await captureRange(journal, from, Math.min(N, from + 100_000));
    await journal.log.sequenceAll();
  }
  if (N > THROUGHPUT_N)
    row(`filled to ${fmt(N)} sealed leaves`, `${fmt((performance.now() - t) / 1000, 1)} s`);

  const tree = journal.log.tree();
  const size = await tree.size();
  const lat = new Float64Array(PROOFS);
  let seed = 0x9e3779b9;
  const rand = (n: number): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  t = performance.now();
  for (let i = 0; i < PROOFS; i++) {
    const s = performance.now();
    await journal.log.inclusionProof(rand(size), size);
    lat[i] = performance.now() - s;
  }
  const proofRate = PROOFS / ((performance.now() - t) / 1000);
  lat.sort();
  const q = (p: number): string => `${(lat[Math.floor(p * (PROOFS - 1))]! * 1000).toFixed(0)} µs`;
  row(`inclusion proofs at ${fmt(size)} leaves (JSON, from SQLite)`, `${fmt(proofRate)} proofs/s`);
  row('  latency p50 / p99', `${q(0.5)} / ${q(0.99)}`);

  const trust = { origin: 'bench.herald/journal', verifiers: [parseVerifierKey(key.verifierKey)] };
  t = performance.now();
  const report = await verifyLog(db, 'sqlite', 'journal', trust);
  const verifyS = (performance.now() - t) / 1000;
  row(
    `full verification of ${fmt(report.size)} leaves`,
    `${fmt(verifyS, 1)} s`,
    report.ok ? `ok, ${report.checkpoints} checkpoints` : 'FAILED',
  );
  console.log(
    `\ntargets: >= 20,000 sealed rec/s: ${rate >= 20_000 ? 'met' : 'NOT met'}; proofs < 1 ms p99: ${lat[Math.floor(0.99 * (PROOFS - 1))]! < 1 ? 'met' : 'NOT met'}; verify 1M < 30 s: ${N >= 1_000_000 ? (verifyS < 30 ? 'met' : 'NOT met') : 'n/a'}`,
  );
  await store.close();
  await singleStore.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
