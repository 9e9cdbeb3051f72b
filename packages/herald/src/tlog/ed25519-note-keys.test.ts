import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraldError } from '../errors/index.ts';
import { encodeBase64 } from './base64.ts';
import {
  Ed25519NoteVerifier,
  generateNoteKey,
  parseSignerKey,
  parseVerifierKey,
} from './ed25519-note-keys.ts';
import { isValidKeyName, noteKeyId } from './note-key-id.ts';
import { loadVectors, type SignedNoteVector } from './testing/vectors.ts';

const vector = loadVectors('signed-note.json') as SignedNoteVector;
const malformedKey = (err: unknown) => isHeraldError(err) && err.code === 'HERALD_ERR_TLOG_MALFORMED_KEY';

void describe('note key strings', () => {
  void it('computes the key id as SHA-256(name || 0x0A || 0x01 || key)[:4]', () => {
    const v = parseVerifierKey(vector.verifier_key);
    assert.equal(noteKeyId(v.name, 0x01, v.publicKey), 'c74f20a3');
  });

  void it('parses keys whose base64 contains "+" (the reference signer key does)', () => {
    assert.ok(vector.signer_key.split('+').length > 5);
    assert.equal(parseSignerKey(vector.signer_key).keyId, 'c74f20a3');
  });

  void it('generates keys that parse back and match each other', async () => {
    const { signerKey, verifierKey } = generateNoteKey('herald.example/journal');
    assert.match(signerKey, /^PRIVATE\+KEY\+herald\.example\/journal\+[0-9a-f]{8}\+A/);
    const signer = parseSignerKey(signerKey);
    const verifier = parseVerifierKey(verifierKey);
    assert.equal(signer.keyId, verifier.keyId);
    assert.equal(verifier.verifierKey, verifierKey);
    const msg = new TextEncoder().encode('hello\n');
    assert.ok(verifier.verify(msg, await signer.sign(msg)));
    assert.equal(verifier.verify(msg, new Uint8Array(63)), false);
  });

  void it('never shows the private key when printed', () => {
    const { signerKey } = generateNoteKey('k');
    const signer = parseSignerKey(signerKey);
    const secret = signerKey.split('+').slice(4).join('+');
    for (const shown of [String(signer), inspect(signer), JSON.stringify(signer)])
      assert.ok(!shown.includes(secret));
  });

  const [vName, vId, ...vRest] = vector.verifier_key.split('+');
  const vKey = vRest.join('+');
  const badVerifierKeys: [string, string][] = [
    ['no fields', 'PeterNeumann'],
    ['two fields', `${vName}+${vId}`],
    ['an empty name', `+${vId}+${vKey}`],
    ['a name with a space', `Peter Neumann+${vId}+${vKey}`],
    ['a wrong key id', `${vName}+c74f20a4+${vKey}`],
    ['an upper-case key id', `${vName}+C74F20A3+${vKey}`],
    ['a short key id', `${vName}+c74f20a+${vKey}`],
    ['a non-canonical base64 key', `${vName}+${vId}+${vKey}\n`],
    ['another key type', `${vName}+${vId}+${encodeBase64(Uint8Array.of(0x02, ...new Uint8Array(32)))}`],
    ['a short key', `${vName}+${vId}+${encodeBase64(Uint8Array.of(0x01, ...new Uint8Array(31)))}`],
    ['a signer key', vector.signer_key],
  ];
  for (const [what, key] of badVerifierKeys) {
    void it(`refuses a verifier key with ${what}`, () =>
      assert.throws(() => parseVerifierKey(key), malformedKey));
  }

  void it('refuses malformed signer keys without echoing them', () => {
    const good = vector.signer_key;
    for (const key of [
      good.replace('PRIVATE+KEY+', ''),
      good.replace('PRIVATE+KEY+', 'private+key+'),
      good.replace('c74f20a3', '00000000'),
      good.slice(0, -1),
      vector.verifier_key,
    ]) {
      assert.throws(
        () => parseSignerKey(key),
        (err: unknown) => malformedKey(err) && !(err as Error).message.includes(good.slice(-20)),
      );
    }
  });

  void it('validates key names like the reference implementation', () => {
    for (const name of ['a', 'sum.golang.org', 'herald.example/journal', 'ключ'])
      assert.ok(isValidKeyName(name), name);
    for (const name of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2028b', 'a\u0085b', 'a\u0001b', '\ud800']) {
      assert.equal(isValidKeyName(name), false, JSON.stringify(name));
    }
    assert.throws(() => new Ed25519NoteVerifier('a b', new Uint8Array(32)), malformedKey);
  });

  void it('throws only HeraldErrors on arbitrary key strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.string(), (junk, at, base) => {
        const s = [vector.verifier_key, vector.signer_key, base][at % 3]!;
        const input = s.slice(0, at % (s.length + 1)) + junk;
        for (const parse of [parseVerifierKey, parseSignerKey]) {
          try {
            parse(input);
          } catch (err) {
            assert.ok(malformedKey(err), String(err));
          }
        }
      }),
    );
  });
});
