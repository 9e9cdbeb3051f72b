import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraldError } from '../errors/index.ts';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from './ed25519-note-keys.ts';
import { openNote, signNote } from './signed-note.ts';
import { loadVectors, type SignedNoteVector } from './testing/vectors.ts';

const vector = loadVectors('signed-note.json') as SignedNoteVector;
const code = (c: string) => (err: unknown) => isHeraldError(err) && err.code === c;
const verifier = parseVerifierKey(vector.verifier_key);
const other = parseSignerKey(generateNoteKey('witness.example').signerKey);

void describe('C2SP signed-note conformance vector', () => {
  void it('reproduces the reference note byte for byte (Ed25519 is deterministic)', async () => {
    const signer = parseSignerKey(vector.signer_key);
    assert.equal(await signNote(vector.text, [signer]), vector.note);
    assert.equal(signer.verifier().verifierKey, vector.verifier_key);
    assert.equal(signer.keyId, 'c74f20a3');
  });

  void it('opens the reference note with the reference verifier key', () => {
    const opened = openNote(vector.note, [verifier]);
    assert.equal(opened.text, vector.text);
    assert.deepEqual(
      opened.signatures.map((s) => `${s.name}+${s.keyId}`),
      ['PeterNeumann+c74f20a3'],
    );
    assert.deepEqual(opened.unverified, []);
    assert.equal(openNote(new TextEncoder().encode(vector.note), [verifier]).text, vector.text);
  });

  void it('fails when any character of the text changes', () => {
    fc.assert(
      fc.property(fc.nat(vector.text.length - 2), fc.constantFrom('x', 'Y', ' ', '.'), (at, ch) => {
        fc.pre(vector.text[at] !== ch && vector.text[at] !== '\n');
        const tampered = vector.note.slice(0, at) + ch + vector.note.slice(at + 1);
        assert.throws(() => openNote(tampered, [verifier]), code('HERALD_ERR_TLOG_BAD_SIGNATURE'));
      }),
    );
  });
});

void describe('openNote', () => {
  const sigLine = vector.note.slice(vector.text.length + 1);

  void it('needs a valid signature from a listed key', () => {
    assert.throws(() => openNote(vector.note, []), code('HERALD_ERR_TLOG_UNVERIFIED_NOTE'));
    assert.throws(() => openNote(vector.note, [other.verifier()]), code('HERALD_ERR_TLOG_UNVERIFIED_NOTE'));
  });

  void it('keeps signatures by unlisted keys aside and drops repeats', async () => {
    const both = await signNote(vector.text, [parseSignerKey(vector.signer_key), other]);
    const opened = openNote(both + both.slice(both.indexOf('\n\n') + 2), [verifier]);
    assert.equal(opened.signatures.length, 1);
    assert.deepEqual(
      opened.unverified.map((s) => s.name),
      ['witness.example'],
    );
    const otherOpened = openNote(both, [other.verifier(), verifier]);
    assert.equal(otherOpened.signatures.length, 2);
  });

  void it('refuses a signature by a listed key that was made with another key', async () => {
    // Same name and key id as the listed key, but not its signature: a forgery, not an unknown key.
    const forged = await signNote(vector.text, [other]);
    const line = forged.slice(forged.indexOf('\u2014'));
    const blob = Buffer.from(line.trim().split(' ')[2]!, 'base64');
    blob.set(Buffer.from(verifier.keyId, 'hex'));
    const note = `${vector.text}\n\u2014 ${verifier.name} ${blob.toString('base64')}\n`;
    assert.throws(() => openNote(note, [verifier]), code('HERALD_ERR_TLOG_BAD_SIGNATURE'));
  });

  const malformed: [string, string | Uint8Array][] = [
    ['no blank line before the signatures', vector.text + sigLine],
    ['no final newline', vector.note.slice(0, -1)],
    ['a trailing blank line', `${vector.note}\n`],
    ['trailing garbage after the signatures', `${vector.note}garbage\n`],
    ['a hyphen instead of the em dash', vector.note.replace('\u2014', '-')],
    ['a missing space after the dash', vector.note.replace('\u2014 ', '\u2014')],
    ['a tab between name and signature', vector.note.replace('PeterNeumann ', 'PeterNeumann\t')],
    ['two spaces between name and signature', vector.note.replace('PeterNeumann ', 'PeterNeumann  ')],
    ['a signature that is not base64', vector.note.replace('x08go', 'x08g!')],
    ['a signature without padding', vector.note.replace('nAM=\n', 'nAM\n')],
    ['a signature of 4 bytes', `${vector.text}\n\u2014 PeterNeumann x08gow==\n`],
    ['a name with a plus', vector.note.replace('PeterNeumann ', 'Peter+Neumann ')],
    ['a carriage return', vector.note.replace('\n\n', '\r\n\n')],
    ['a control character', `\u0001${vector.note}`],
    ['a lone surrogate', `\ud800${vector.note}`],
    ['bytes that are not UTF-8', Uint8Array.of(0xff, ...new TextEncoder().encode(vector.note))],
    ['more than 100 signatures', vector.text + '\n' + sigLine.repeat(101)],
    ['an empty note', ''],
  ];
  for (const [what, note] of malformed) {
    void it(`refuses a note with ${what}`, () => {
      assert.throws(() => openNote(note, [verifier]), code('HERALD_ERR_TLOG_MALFORMED_NOTE'));
    });
  }

  void it('throws only HeraldErrors on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constant(vector.note)),
        fc.nat(),
        fc.string(),
        fc.uint8Array(),
        (s, at, ins, bytes) => {
          const cut = at % (s.length + 1);
          for (const input of [s.slice(0, cut) + ins + s.slice(cut), bytes]) {
            try {
              openNote(input, [verifier]);
            } catch (err) {
              assert.ok(isHeraldError(err), String(err));
            }
          }
        },
      ),
    );
  });
});

void describe('signNote', () => {
  void it('refuses text that could not be opened again', async () => {
    const signer = parseSignerKey(vector.signer_key);
    for (const text of ['', 'no newline', 'tab\there\n', 'cr\r\n']) {
      await assert.rejects(
        signNote(text, [signer]),
        code('HERALD_ERR_TLOG_MALFORMED_NOTE'),
        JSON.stringify(text),
      );
    }
    await assert.rejects(signNote('ok\n', []), code('HERALD_ERR_TLOG_MALFORMED_NOTE'));
  });

  void it('round-trips any valid text and set of signers', async () => {
    const signers = [parseSignerKey(vector.signer_key), other];
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), async (body) => {
        // eslint-disable-next-line no-control-regex
        const text = `${body.replace(/[\u0000-\u001f]/g, '')}\n`;
        const note = await signNote(text, signers);
        const opened = openNote(
          note,
          signers.map((s) => s.verifier()),
        );
        assert.equal(opened.text, text);
        assert.equal(opened.signatures.length, 2);
      }),
      { numRuns: 50 },
    );
  });
});
