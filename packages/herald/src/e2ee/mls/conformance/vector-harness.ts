// Runs the MLS working group's test vectors (mlswg/mls-implementations, test-vectors.md) against
// ts-mls with Herald's crypto providers. The vectors live outside the repository, in
// `../shared/vectors/mls/` next to it, and are never edited; a missing directory fails the run.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultCryptoProvider, getCiphersuiteImpl, type CiphersuiteImpl, type CryptoProvider } from 'ts-mls';
import {
  getCiphersuiteFromId,
  getCiphersuiteNameFromId,
  type CiphersuiteId,
} from 'ts-mls/crypto/ciphersuite.js';
import { nodeCryptoProvider } from '../crypto/node-crypto-provider.ts';

/** The repository root: the nearest ancestor whose package.json declares workspaces. */
export function repoRoot(from = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && 'workspaces' in (JSON.parse(readFileSync(pkg, 'utf8')) as object)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No workspace root above ${from}`);
  }
}

/** `../shared/vectors/mls` relative to the repository root (or `$HERALD_MLS_VECTORS`). */
export const VECTOR_DIR =
  process.env['HERALD_MLS_VECTORS'] ?? path.resolve(repoRoot(), '../shared/vectors/mls');

/** Loads one vector file; throws (failing the run) when it is missing or not a JSON array. */
export function loadVectors<V>(file: string): V[] {
  const p = path.join(VECTOR_DIR, file);
  if (!existsSync(p))
    throw new Error(
      `MLS test vectors not found at ${p}; they belong in ../shared/vectors/mls next to the repo`,
    );
  const data: unknown = JSON.parse(readFileSync(p, 'utf8'));
  if (!Array.isArray(data) || data.length === 0) throw new Error(`${p} is not a non-empty JSON array`);
  return data as V[];
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface VectorProvider {
  readonly name: 'native' | 'stock';
  readonly provider: CryptoProvider;
}
export const VECTOR_PROVIDERS: readonly VectorProvider[] = [
  { name: 'native', provider: nodeCryptoProvider },
  { name: 'stock', provider: defaultCryptoProvider },
];

/** The suite implementation, or why it cannot run (unknown id, missing optional dependency). */
export async function suiteImpl(id: number, provider: CryptoProvider): Promise<CiphersuiteImpl | string> {
  if (getCiphersuiteNameFromId(id as CiphersuiteId) === undefined)
    return `cipher suite ${id} unknown to ts-mls`;
  try {
    return await getCiphersuiteImpl(getCiphersuiteFromId(id as CiphersuiteId), provider);
  } catch (err) {
    return `suite ${id}: ${(err as Error).message.replace(/\. Please install.*$/, '')}`;
  }
}

interface Tally {
  run: number;
  passed: number;
  failed: number;
  skipped: number;
  reasons: Map<string, number>;
}

/**
 * Declares one `node:test` case per vector and provider and prints a summary line per provider
 * when the file ends (the numbers behind docs/conformance.md). `suiteOf` is omitted for vectors
 * that do not depend on a cipher suite; those run once, against no provider.
 */
export function vectorTests<V>(
  file: string,
  run: (vector: V, cs: CiphersuiteImpl | undefined, index: number) => Promise<void>,
  options: { readonly suiteOf?: (v: V) => number; readonly providers?: readonly VectorProvider[] } = {},
): void {
  const vectors = loadVectors<V>(file);
  const providers = options.suiteOf === undefined ? [undefined] : (options.providers ?? VECTOR_PROVIDERS);
  const tallies = new Map<string, Tally>();
  void describe(file, () => {
    for (const p of providers) {
      const label = p?.name ?? 'codec only';
      const tally: Tally = { run: 0, passed: 0, failed: 0, skipped: 0, reasons: new Map() };
      tallies.set(label, tally);
      vectors.forEach((vector, i) => {
        const suite = options.suiteOf?.(vector);
        void it(`${label}: #${i}${suite === undefined ? '' : ` suite ${suite}`}`, async (t) => {
          let cs: CiphersuiteImpl | undefined;
          if (p !== undefined && suite !== undefined) {
            const impl = await suiteImpl(suite, p.provider);
            if (typeof impl === 'string') {
              tally.skipped++;
              tally.reasons.set(impl, (tally.reasons.get(impl) ?? 0) + 1);
              t.skip(impl);
              return;
            }
            cs = impl;
          }
          tally.run++;
          try {
            await run(vector, cs, i);
            tally.passed++;
          } catch (err) {
            tally.failed++;
            throw err;
          }
        });
      });
    }
  });
  after(() => {
    for (const [label, t] of tallies) {
      const why = [...t.reasons].map(([r, n]) => `${n}× ${r}`).join('; ');
      console.log(
        `CONFORMANCE ${file} | ${label} | run ${t.run} | passed ${t.passed} | failed ${t.failed} | skipped ${t.skipped}${why ? ` (${why})` : ''}`,
      );
    }
  });
}

/** Asserts byte equality with a hex diff-friendly message. */
export function sameBytes(actual: Uint8Array, expected: Uint8Array | string, what: string): void {
  const e = typeof expected === 'string' ? expected : toHex(expected);
  const a = toHex(actual);
  if (a !== e) throw new Error(`${what}: expected ${e.slice(0, 64)}…, got ${a.slice(0, 64)}…`);
}
