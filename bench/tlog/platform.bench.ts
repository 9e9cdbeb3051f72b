// Benchmark of the tlog platform port (packages/herald/src/tlog/platform): what routing tlog's
// primitives through the port costs the server, and what the browser implementation costs, each
// against node:crypto called directly in the same run. CPU time per operation
// (process.cpuUsage), so a busy machine skews the figures less than wall-clock; the load average
// is printed beside them. Prints ratios; asserts nothing.
//
//   node --import tsx bench/tlog/platform.bench.ts [--rounds 50000]
//
// Rows:
//   node:crypto direct   the code tlog ran before the port (the baseline, 1.00x)
//   tlog (server)        hashLeaf / hashChildren / Ed25519 note keys as the server runs them
//   web platform         the same primitives as a browser bundle runs them (@noble/*), here in Node
import * as crypto from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { hashChildren, hashLeaf } from '../../packages/herald/src/tlog/hash.ts';
import { Ed25519NoteSigner } from '../../packages/herald/src/tlog/ed25519-note-keys.ts';
import { webPlatform } from '../../packages/herald/src/tlog/platform/web-platform.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 50_000);
const SIG_ROUNDS = Math.max(200, Math.floor(ROUNDS / 50));

/** CPU microseconds per call of `fn`, best of three runs (the least disturbed). */
function cpuPerOp(n: number, fn: (i: number) => unknown): number {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

const leaves = Array.from({ length: 1024 }, () => crypto.randomBytes(64));
const left = crypto.randomBytes(32);
const right = crypto.randomBytes(32);
const seed = crypto.randomBytes(32);
const message = crypto.randomBytes(200);

// The baseline: node:crypto exactly as tlog's hash.ts and note keys called it before the port
// (scratch input, one-shot digest, a plain Uint8Array view of the result; a KeyObject per key).
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const privateKey = crypto.createPrivateKey({
  key: Buffer.concat([PKCS8, seed]),
  format: 'der',
  type: 'pkcs8',
});
const publicKey = crypto.createPublicKey(privateKey);
const nodeInput = new Uint8Array(65);
nodeInput[0] = 1;
const leafInput = new Uint8Array(65);
const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const direct = {
  leaf: (l: Uint8Array) => {
    if (l.length + 1 > leafInput.length) throw new Error('unreachable');
    leafInput[0] = 0;
    leafInput.set(l, 1);
    return view(crypto.hash('sha256', leafInput.subarray(0, 1 + l.length), 'buffer'));
  },
  node: () => {
    if (left.length !== 32 || right.length !== 32) throw new Error('unreachable');
    nodeInput.set(left, 1);
    nodeInput.set(right, 33);
    return view(crypto.hash('sha256', nodeInput, 'buffer'));
  },
  sign: () => new Uint8Array(crypto.sign(null, message, privateKey)),
  verify: (s: Uint8Array) => {
    if (s.length !== 64) return false;
    try {
      return crypto.verify(null, message, publicKey, s);
    } catch {
      return false;
    }
  },
};
const signature = direct.sign();

const noteSigner = new Ed25519NoteSigner('bench.example/log', seed);
const noteVerifier = noteSigner.verifier();
const webSigner = webPlatform.ed25519Signer(seed);
const webVerify = webPlatform.ed25519Verifier(noteVerifier.publicKey);
const webLeaf = (l: Uint8Array) => {
  leafInput.set(l, 1);
  return webPlatform.sha256(leafInput);
};
const webNode = () => {
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return webPlatform.sha256(nodeInput);
};

console.log(
  `tlog platform benchmark: node ${process.version}, ${ROUNDS} hashes / ${SIG_ROUNDS} signatures per row, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('CPU µs per operation, and the ratio to node:crypto called directly (lower is better)\n');
const header = ['operation', 'node:crypto direct', 'tlog (server)', 'web platform'];
console.log(
  `  ${header[0]!.padEnd(26)}${header
    .slice(1)
    .map((h) => h.padStart(22))
    .join('')}`,
);
const row = (name: string, base: number, server: number, web: number): void => {
  const cell = (v: number) => `${v.toFixed(2)} µs ${`(${(v / base).toFixed(2)}x)`.padStart(9)}`.padStart(22);
  console.log(`  ${name.padEnd(26)}${cell(base)}${cell(server)}${cell(web)}`);
};
row(
  'leaf hash (64 bytes)',
  cpuPerOp(ROUNDS, (i) => direct.leaf(leaves[i & 1023]!)),
  cpuPerOp(ROUNDS, (i) => hashLeaf(leaves[i & 1023]!)),
  cpuPerOp(ROUNDS, (i) => webLeaf(leaves[i & 1023]!)),
);
row(
  'node hash',
  cpuPerOp(ROUNDS, direct.node),
  cpuPerOp(ROUNDS, () => hashChildren(left, right)),
  cpuPerOp(ROUNDS, webNode),
);
row(
  'Ed25519 sign (200 bytes)',
  cpuPerOp(SIG_ROUNDS, direct.sign),
  // The note signer's sign is async only by its port; the work is the synchronous call inside.
  cpuPerOp(SIG_ROUNDS, () => void noteSigner.sign(message)),
  cpuPerOp(SIG_ROUNDS, () => webSigner.sign(message)),
);
row(
  'Ed25519 verify (200 bytes)',
  cpuPerOp(SIG_ROUNDS, () => direct.verify(signature)),
  cpuPerOp(SIG_ROUNDS, () => noteVerifier.verify(message, signature)),
  cpuPerOp(SIG_ROUNDS, () => webVerify(message, signature)),
);
if (!noteVerifier.verify(message, signature) || !webVerify(message, signature))
  throw new Error('a verifier refused a good signature');
console.log(
  `\nload average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
