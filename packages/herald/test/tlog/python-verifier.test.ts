// Cross-language check: a Herald-signed checkpoint and inclusion proof must verify with an
// independent Python implementation (standard library only, pure-Python Ed25519 from RFC 8032),
// and tampered ones must not.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  encodeBase64,
  generateNoteKey,
  inclusionProofToJson,
  leafIndex,
  MemoryHashStore,
  MerkleTree,
  parseSignerKey,
  signCheckpoint,
} from '../../src/tlog/index.ts';
import { loadVectors, type SignedNoteVector } from '../../src/tlog/testing/vectors.ts';
import { pythonVerifier, type PythonRun } from '../support/python-verifier.ts';

const ORIGIN = 'herald.example/journal';

let python: (args: readonly string[]) => Promise<PythonRun>;

void describe('independent Python verifier', () => {
  let dir = '';
  let verifierKey = '';
  let note = '';
  const file = (name: string, content: string | Uint8Array): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  before(async () => {
    python = pythonVerifier();
    dir = mkdtempSync(path.join(tmpdir(), 'herald-tlog-'));
    const keys = generateNoteKey(ORIGIN);
    verifierKey = keys.verifierKey;
    const tree = new MerkleTree(new MemoryHashStore());
    const leaves = Array.from({ length: 1000 }, (_, i) => new TextEncoder().encode(`journal record ${i}`));
    const { size, root } = await tree.append(leaves);
    note = await signCheckpoint({ origin: ORIGIN, size, root, extensions: [] }, [
      parseSignerKey(keys.signerKey),
    ]);
    file('checkpoint', note);
    file('leaf-617', leaves[617]!);
    file('leaf-618', leaves[618]!);
    file(
      'proof-617.json',
      JSON.stringify(inclusionProofToJson(await tree.inclusionProof(leafIndex(617), size))),
    );
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  void it('verifies the reference signed note (checks the Python Ed25519 itself)', async () => {
    const v = loadVectors('signed-note.json') as SignedNoteVector;
    const r = await python(['--key', v.verifier_key, '--note-only', file('ref.note', v.note)]);
    assert.equal(r.code, 0, r.stderr);
  });

  void it('accepts the checkpoint Herald signed, and an inclusion proof against it', async () => {
    const [plain, inclusion] = await Promise.all([
      python(['--key', verifierKey, '--origin', ORIGIN, path.join(dir, 'checkpoint')]),
      python([
        '--key',
        verifierKey,
        '--inclusion',
        path.join(dir, 'proof-617.json'),
        '--leaf',
        path.join(dir, 'leaf-617'),
        path.join(dir, 'checkpoint'),
      ]),
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^OK: herald\.example\/journal size 1000 /);
    assert.equal(inclusion.code, 0, inclusion.stderr);
  });

  void it('rejects a changed size, root or signature, another origin, key or leaf', async () => {
    const lines = note.split('\n');
    const root = lines[2]!;
    const sigAt = note.lastIndexOf(' ') + 20;
    const cases: [string, string[]][] = [
      ['changed size', [file('size', note.replace('\n1000\n', '\n1001\n'))]],
      ['changed root', [file('root', note.replace(root, encodeBase64(new Uint8Array(32).fill(7))))]],
      [
        'changed signature',
        [file('sig', note.slice(0, sigAt) + (note[sigAt] === 'A' ? 'B' : 'A') + note.slice(sigAt + 1))],
      ],
      ['dropped signature', [file('nosig', `${lines.slice(0, 3).join('\n')}\n`)]],
      ['other origin', ['--origin', 'herald.example/keys', path.join(dir, 'checkpoint')]],
      ['other key', ['--key', generateNoteKey(ORIGIN).verifierKey, path.join(dir, 'checkpoint')]],
      [
        'other leaf',
        [
          '--inclusion',
          path.join(dir, 'proof-617.json'),
          '--leaf',
          path.join(dir, 'leaf-618'),
          path.join(dir, 'checkpoint'),
        ],
      ],
    ];
    const runs = await Promise.all(
      cases.map(([, args]) => python(args[0] === '--key' ? args : ['--key', verifierKey, ...args])),
    );
    runs.forEach((r, i) => {
      assert.equal(r.code, 1, `${cases[i]![0]}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^FAIL: /);
    });
  });
});
