// One contract suite for the tlog platform port, run against both implementations: the server's
// (node:crypto) and the browsers' (@noble/*), so the browser build computes the same hashes and
// accepts exactly the signatures the server accepts. Both run here in Node; the SDK's browser
// test runs the web one in Chromium too.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, loadVectors, toHex, type MerkleVectors } from '../testing/vectors.ts';
import { nodePlatform } from './node-platform.ts';
import type { TlogPlatform } from './tlog-platform.ts';
import { webPlatform } from './web-platform.ts';

const merkle = loadVectors('rfc9162-merkle.json') as MerkleVectors;

// RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

// The Ed25519 group order L (RFC 8032 §5.1), little-endian: S + L is the same scalar spelled
// non-canonically, which RFC 8032 §5.1.7 tells verifiers to refuse.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function addOrderToS(signature: Uint8Array): Uint8Array {
  const out = Uint8Array.from(signature);
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(out[32 + i]!);
  s += L;
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

function contract(name: string, p: TlogPlatform): void {
  void describe(`tlog platform contract: ${name}`, () => {
    void it('hashes with SHA-256 (FIPS 180-4 answers and the RFC 9162 vector leaves)', () => {
      assert.equal(toHex(p.sha256(new Uint8Array(0))), merkle.roots_hex[0]);
      assert.equal(
        toHex(p.sha256(new TextEncoder().encode('abc'))),
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      merkle.leaves_hex.forEach((hex, i) =>
        assert.equal(toHex(p.sha256(Uint8Array.of(0, ...fromHex(hex)))), merkle.node_hashes_hex[0]![i]),
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
          assert.equal(toHex(p.sha256(data)), createHash('sha256').update(data).digest('hex'));
        }),
      );
    });

    void it('signs and verifies the RFC 8032 Ed25519 test vectors', () => {
      for (const v of RFC8032) {
        const signer = p.ed25519Signer(fromHex(v.seed));
        assert.equal(toHex(signer.publicKey), v.publicKey);
        assert.equal(toHex(signer.sign(fromHex(v.message))), v.signature);
        assert.equal(p.ed25519Verifier(fromHex(v.publicKey))(fromHex(v.message), fromHex(v.signature)), true);
      }
    });

    void it('refuses a changed message, a changed signature and a non-canonical S', () => {
      const v = RFC8032[1]!;
      const verify = p.ed25519Verifier(fromHex(v.publicKey));
      const sig = fromHex(v.signature);
      assert.equal(verify(Uint8Array.of(0x73), sig), false);
      const flipped = Uint8Array.from(sig);
      flipped[5]! ^= 1;
      assert.equal(verify(fromHex(v.message), flipped), false);
      assert.equal(verify(fromHex(v.message), addOrderToS(sig)), false);
      assert.equal(verify(fromHex(v.message), sig.subarray(0, 63)), false);
      // Another key's verifier does not accept it either.
      assert.equal(p.ed25519Verifier(fromHex(RFC8032[0]!.publicKey))(fromHex(v.message), sig), false);
    });

    void it('encodes and decodes base64 like RFC 4648', () => {
      assert.equal(p.toBase64(new TextEncoder().encode('foobar')), 'Zm9vYmFy');
      assert.equal(p.toBase64(new TextEncoder().encode('fo')), 'Zm8=');
      assert.equal(toHex(p.fromBase64('Zm9vYg==')), toHex(new TextEncoder().encode('foob')));
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
          const text = p.toBase64(data);
          assert.equal(text, Buffer.from(data).toString('base64'));
          assert.deepEqual(p.fromBase64(text), data);
        }),
      );
    });

    void it('draws random bytes of the asked length', () => {
      const a = p.randomBytes(32);
      assert.equal(a.length, 32);
      assert.notEqual(toHex(a), toHex(p.randomBytes(32)));
    });
  });
}

contract('node', nodePlatform);
contract('web', webPlatform);
