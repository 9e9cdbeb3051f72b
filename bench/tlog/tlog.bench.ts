// Benchmark of the tlog module at one million leaves, with ratios against a baseline measured in
// the same run (raw SHA-256 of the same leaves with node:crypto). Prints figures; never asserts.
//
//   node --import tsx bench/tlog/tlog.bench.ts [leaves]
import * as crypto from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  CompactRange,
  generateNoteKey,
  hashEquals,
  hashLeaf,
  leafIndex,
  MemoryHashStore,
  MerkleTree,
  openCheckpoint,
  parseSignerKey,
  signCheckpoint,
  treeSize,
  verifyConsistency,
  verifyInclusion,
} from '../../packages/herald/src/tlog/index.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1000;
const PROOFS = 100_000;
const VERIFIED = 20_000;
const LEAF_BYTES = 64;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const rows: [string, string, string][] = [];
const row = (name: string, value: string, ratio = ''): void => {
  rows.push([name, value, ratio]);
  console.log(`  ${name.padEnd(44)} ${value.padStart(24)}  ${ratio}`);
};
function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
}
async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}
const quantile = (sorted: Float64Array, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

// Deterministic leaves: one random block, sliced.
const pool = crypto.randomBytes(N * LEAF_BYTES);
const leaves = Array.from({ length: N }, (_, i) => pool.subarray(i * LEAF_BYTES, (i + 1) * LEAF_BYTES));
// Random-but-repeatable query positions.
let seed = 0x9e3779b9;
const rand = (n: number): number => {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return seed % n;
};

console.log(
  `tlog benchmark: ${fmt(N)} leaves of ${LEAF_BYTES} bytes, node ${process.version}, ${crypto.getHashes().includes('sha256') ? 'sha256' : '?'}`,
);

// Baseline: hash every leaf once with SHA-256, no tree. Measured again at the end; the faster
// of the two runs is the one ratios use (conservative on a busy machine).
const baseline = (): number =>
  time(() => {
    for (const l of leaves) crypto.hash('sha256', l, 'buffer');
  })[1];
let baseMs = baseline();
row('baseline: raw SHA-256 of each leaf', `${fmt(baseMs)} ms`, `${fmt((N / baseMs) * 1000)} leaves/s`);

// Append through MerkleTree + MemoryHashStore in batches (leaf hash + completed subtrees + store).
const store = new MemoryHashStore();
const tree = new MerkleTree(store);
const [, appendMs] = await timeAsync(async () => {
  for (let i = 0; i < N; i += BATCH) await tree.append(leaves.slice(i, i + BATCH));
});
row(`append (batches of ${BATCH})`, `${fmt((N / appendMs) * 1000)} leaves/s`, `${fmt(appendMs)} ms`);
const size = treeSize(N);
const [root, rootMs] = await timeAsync(() => tree.root(size));
row('root at current size', `${fmt(rootMs * 1000, 1)} µs`);

// Inclusion proofs at size N: throughput and per-call latency.
const lat = new Float64Array(PROOFS);
const proofs: Awaited<ReturnType<MerkleTree['inclusionProof']>>[] = [];
const [, incMs] = await timeAsync(async () => {
  for (let i = 0; i < PROOFS; i++) {
    const t = performance.now();
    const proof = await tree.inclusionProof(leafIndex(rand(N)), size);
    lat[i] = performance.now() - t;
    if (i < VERIFIED) proofs.push(proof);
  }
});
lat.sort();
row('inclusion proof generation', `${fmt((PROOFS / incMs) * 1000)} proofs/s`);
row(
  '  latency p50 / p99 / max',
  `${fmt(quantile(lat, 0.5) * 1000, 1)} / ${fmt(quantile(lat, 0.99) * 1000, 1)} / ${fmt(lat[PROOFS - 1]! * 1000)} µs`,
);
row('  proof length', `${proofs[0]!.path.length} hashes`);

// Verifying them (pure function, no store).
const [okCount, verMs] = time(
  () => proofs.filter((p) => verifyInclusion(p, hashLeaf(leaves[p.leafIndex]!), root)).length,
);
if (okCount !== VERIFIED) throw new Error(`only ${okCount} of ${VERIFIED} inclusion proofs verified`);
row('inclusion proof verification (incl. leaf hash)', `${fmt((VERIFIED / verMs) * 1000)} proofs/s`);

// Consistency proofs between random earlier sizes and N.
const CONS = PROOFS / 2;
const consProofs: Awaited<ReturnType<MerkleTree['consistencyProof']>>[] = [];
const [, consMs] = await timeAsync(async () => {
  for (let i = 0; i < CONS; i++) {
    const proof = await tree.consistencyProof(treeSize(1 + rand(N)), size);
    if (i < 1000) consProofs.push(proof);
  }
});
for (const proof of consProofs) {
  if (!verifyConsistency(proof, await tree.root(proof.size1), root))
    throw new Error('consistency proof failed');
}
row('consistency proof generation (1k verified)', `${fmt((CONS / consMs) * 1000)} proofs/s`);

// Full verification: recompute the root from all leaf data, as an auditor with an export does.
const [fullRoot, fullMs] = time(() => {
  const range = new CompactRange();
  for (const l of leaves) range.append(hashLeaf(l));
  return range.root();
});
if (!hashEquals(fullRoot, root)) throw new Error('recomputed root differs');
row(`full verification of ${fmt(N)} leaves (recompute root)`, `${fmt(fullMs)} ms`);

// Checkpoint signing and opening (Ed25519).
const signer = parseSignerKey(generateNoteKey('bench.example/log').signerKey);
const trust = { origin: 'bench.example/log', verifiers: [signer.verifier()] };
const SIGS = 2000;
const notes: string[] = [];
const [, signMs] = await timeAsync(async () => {
  for (let i = 0; i < SIGS; i++)
    notes.push(await signCheckpoint({ origin: trust.origin, size, root, extensions: [] }, [signer]));
});
const [, openMs] = time(() => notes.forEach((n) => openCheckpoint(n, trust)));
row('checkpoint sign / open', `${fmt((SIGS / signMs) * 1000)} / ${fmt((SIGS / openMs) * 1000)} per s`);

const mem = process.memoryUsage();
row(
  'memory (rss / array buffers)',
  `${fmt(mem.rss / 2 ** 20)} / ${fmt(mem.arrayBuffers / 2 ** 20)} MiB`,
  `incl. ${fmt((N * LEAF_BYTES) / 2 ** 20)} MiB of leaf data`,
);

const again = baseline();
baseMs = Math.min(baseMs, again);
row('baseline again (the faster run is used below)', `${fmt(again)} ms`);
console.log('\nratios against the baseline (time per leaf, lower is better):');
console.log(
  `  append:            ${(appendMs / baseMs).toFixed(2)}x   (ideal ≈ 2x: one leaf hash + ~one node hash per leaf)`,
);
console.log(`  full verification: ${(fullMs / baseMs).toFixed(2)}x   (same hash count as append, no store)`);
console.log(`  one inclusion proof costs as much as hashing ${fmt(incMs / PROOFS / (baseMs / N), 1)} leaves`);
console.log(
  `load average during the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${availableParallelism()} CPUs`,
);
