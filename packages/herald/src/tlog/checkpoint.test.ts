import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraldError } from '../errors/index.ts';
import { encodeBase64 } from './base64.ts';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
} from './checkpoint.ts';
import { generateNoteKey, parseSignerKey } from './ed25519-note-keys.ts';
import { emptyRoot, hashLeaf } from './hash.ts';
import { MemoryHashStore } from './memory-hash-store.ts';
import { MerkleTree } from './merkle-tree.ts';
import { leafIndex, treeSize } from './tree-size.ts';
import { verifyInclusion } from './verify-inclusion.ts';

const code = (c: string) => (err: unknown) => isHeraldError(err) && err.code === c;
const ORIGIN = 'herald.example/journal';
const signer = parseSignerKey(generateNoteKey(ORIGIN).signerKey);
const stranger = parseSignerKey(generateNoteKey(ORIGIN).signerKey);
const trust = { origin: ORIGIN, verifiers: [signer.verifier()] };
const root = hashLeaf(Uint8Array.of(1));
const cp: Checkpoint = { origin: ORIGIN, size: treeSize(1234), root, extensions: [] };

void describe('C2SP tlog-checkpoint', () => {
  void it('formats origin, decimal size, base64 root and extension lines', () => {
    assert.equal(formatCheckpoint(cp), `${ORIGIN}\n1234\n${encodeBase64(root)}\n`);
    const ext = formatCheckpoint({ ...cp, size: treeSize(0), root: emptyRoot(), extensions: ['a b', 'c'] });
    assert.equal(ext, `${ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\na b\nc\n`);
    assert.deepEqual(parseCheckpoint(ext).extensions, ['a b', 'c']);
  });

  void it('parses what it formats (property-based)', () => {
    // eslint-disable-next-line no-control-regex
    const line = fc.string({ minLength: 1 }).filter((s) => !/[\u0000-\u001f]|\p{Cs}/u.test(s));
    fc.assert(
      fc.property(
        line,
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, r, extensions) => {
          const c: Checkpoint = { origin, size: treeSize(size), root: r, extensions };
          assert.deepEqual(parseCheckpoint(formatCheckpoint(c)), c);
        },
      ),
    );
  });

  const body = formatCheckpoint(cp);
  const rootLine = encodeBase64(root);
  const bad: [string, string][] = [
    ['no final newline', body.slice(0, -1)],
    ['only two lines', `${ORIGIN}\n1234\n`],
    ['an empty origin', `\n1234\n${rootLine}\n`],
    ['an empty extension line', `${body}\n`],
    ['a size with a leading zero', body.replace('1234', '01234')],
    ['a signed size', body.replace('1234', '+1234')],
    ['a size with spaces', body.replace('1234', ' 1234')],
    ['a hex size', body.replace('1234', '0x4d2')],
    ['a size above 2^53 - 1', body.replace('1234', '9007199254740992')],
    ['a root that is too short', body.replace(rootLine, encodeBase64(new Uint8Array(31)))],
    ['a root without padding', body.replace(rootLine, rootLine.slice(0, -1))],
    [
      'a root in base64url',
      `${ORIGIN}\n1234\n${encodeBase64(new Uint8Array(32).fill(0xfb)).replace(/\+/g, '-').replace(/\//g, '_')}\n`,
    ],
    ['whitespace inside the root', body.replace(rootLine, `${rootLine.slice(0, 8)} ${rootLine.slice(8)}`)],
    ['a carriage return', body.replace('\n', '\r\n')],
  ];
  for (const [what, text] of bad) {
    void it(`refuses a checkpoint with ${what}`, () => {
      assert.throws(() => parseCheckpoint(text), code('HERALD_ERR_TLOG_MALFORMED_CHECKPOINT'));
    });
  }

  void it('refuses to format a checkpoint that would not parse', () => {
    for (const c of [
      { ...cp, origin: '' },
      { ...cp, origin: 'two\nlines' },
      { ...cp, extensions: [''] },
      { ...cp, size: -1 as never },
      { ...cp, root: new Uint8Array(31) },
    ]) {
      assert.throws(() => formatCheckpoint(c), code('HERALD_ERR_TLOG_MALFORMED_CHECKPOINT'));
    }
  });
});

void describe('signed checkpoints', () => {
  void it('opens a checkpoint signed by a trusted key for the expected log', async () => {
    const note = await signCheckpoint(cp, [signer]);
    const opened = openCheckpoint(note, trust);
    assert.deepEqual(opened.checkpoint, cp);
    assert.equal(opened.note.signatures[0]!.keyId, signer.keyId);
  });

  void it('refuses a checkpoint for another log, even signed by the same key', async () => {
    const note = await signCheckpoint({ ...cp, origin: 'herald.example/keys' }, [signer]);
    assert.throws(() => openCheckpoint(note, trust), code('HERALD_ERR_TLOG_ORIGIN_MISMATCH'));
  });

  void it('refuses a changed size, root or signature', async () => {
    const note = await signCheckpoint(cp, [signer]);
    const changedRoot = encodeBase64(hashLeaf(Uint8Array.of(2)));
    const sig = note.slice(note.lastIndexOf(' ') + 1, -1);
    const otherSig = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    for (const tampered of [
      note.replace('\n1234\n', '\n1235\n'),
      note.replace(encodeBase64(root), changedRoot),
      note.replace(sig, otherSig),
    ]) {
      assert.throws(() => openCheckpoint(tampered, trust), code('HERALD_ERR_TLOG_BAD_SIGNATURE'));
    }
  });

  void it('refuses a checkpoint signed only by an unknown key', async () => {
    const note = await signCheckpoint(cp, [stranger]);
    assert.throws(() => openCheckpoint(note, trust), code('HERALD_ERR_TLOG_UNVERIFIED_NOTE'));
  });

  void it('commits to a tree whose leaves verify against it', async () => {
    const tree = new MerkleTree(new MemoryHashStore());
    const data = Array.from({ length: 21 }, (_, i) => new TextEncoder().encode(`record ${i}`));
    const { size, root: head } = await tree.append(data);
    const note = await signCheckpoint({ origin: ORIGIN, size, root: head, extensions: [] }, [signer]);
    const { checkpoint } = openCheckpoint(note, trust);
    const proof = await tree.inclusionProof(leafIndex(13), checkpoint.size);
    assert.ok(verifyInclusion(proof, hashLeaf(data[13]!), checkpoint.root));
  });
});
