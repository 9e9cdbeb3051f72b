// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base.
// The hex values below are copied from the RFC's published test vectors (not generated here).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deriveX25519KeyPair,
  generateX25519KeyPair,
  hpkeOpen,
  hpkeOpenAt,
  hpkeSeal,
  hpkeSealAt,
  localDecapsulator,
  setupBaseRecipient,
  setupBaseSender,
} from './hpke.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const A11 = {
  info: hex('4f6465206f6e2061204772656369616e2055726e'),
  ikmE: hex('7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234'),
  pkEm: hex('37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431'),
  skEm: hex('52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736'),
  ikmR: hex('6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037'),
  pkRm: hex('3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d'),
  skRm: hex('4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8'),
  enc: hex('37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431'),
  sharedSecret: hex('fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc'),
  key: hex('4531685d41d65f03dc48f6b8302c05b0'),
  baseNonce: hex('56d890e5accaaf011cff4b7d'),
  // Encryption with sequence number 0 is what a single-shot seal produces (§6.1).
  pt: hex('4265617574792069732074727574682c20747275746820626561757479'),
  aad0: hex('436f756e742d30'),
  ct0: hex('f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a'),
  aad1: hex('436f756e742d31'),
  ct1: hex('af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84'),
};

describe('HPKE base mode, DHKEM(X25519) / HKDF-SHA256 / AES-128-GCM (RFC 9180 A.1.1)', () => {
  it('derives the vector key pairs from their input keying material (§7.1.3)', () => {
    const e = deriveX25519KeyPair(A11.ikmE);
    assert.deepEqual([e.privateKey, e.publicKey], [A11.skEm, A11.pkEm]);
    const r = deriveX25519KeyPair(A11.ikmR);
    assert.deepEqual([r.privateKey, r.publicKey], [A11.skRm, A11.pkRm]);
  });

  it('derives the vector enc, shared secret, key and base nonce', () => {
    const s = setupBaseSender(A11.pkRm, A11.info, { ephemeralPrivateKey: A11.skEm });
    assert.deepEqual(s.enc, A11.enc);
    assert.deepEqual(s.sharedSecret, A11.sharedSecret);
    assert.deepEqual(s.key, A11.key);
    assert.deepEqual(s.baseNonce, A11.baseNonce);
  });

  it('seals to the vector ciphertext for sequence number 0 and opens it', async () => {
    const sealed = hpkeSeal(A11.pkRm, A11.info, A11.aad0, A11.pt, { ephemeralPrivateKey: A11.skEm });
    assert.deepEqual(sealed.ciphertext, A11.ct0);
    const opened = await hpkeOpen(localDecapsulator(A11.skRm), A11.enc, A11.info, A11.aad0, A11.ct0);
    assert.deepEqual(opened, A11.pt);
  });

  it('seals and opens sequence number 1 of a context as the vector does (§5.2)', async () => {
    const s = setupBaseSender(A11.pkRm, A11.info, { ephemeralPrivateKey: A11.skEm });
    assert.deepEqual(hpkeSealAt(s, 1, A11.aad1, A11.pt), A11.ct1);
    const r = await setupBaseRecipient(localDecapsulator(A11.skRm), A11.enc, A11.info);
    assert.deepEqual(hpkeOpenAt(r, 1, A11.aad1, A11.ct1), A11.pt);
    assert.throws(() => hpkeOpenAt(r, 0, A11.aad1, A11.ct1));
  });

  it('round-trips with a fresh ephemeral key and refuses a changed aad, info or ciphertext', async () => {
    const { privateKey, publicKey } = generateX25519KeyPair();
    const recipient = localDecapsulator(privateKey);
    const info = Buffer.from('herald test');
    const { enc, ciphertext } = hpkeSeal(publicKey, info, Buffer.from('aad'), Buffer.from('hello'));
    assert.equal((await hpkeOpen(recipient, enc, info, Buffer.from('aad'), ciphertext)).toString(), 'hello');
    await assert.rejects(hpkeOpen(recipient, enc, info, Buffer.from('aaD'), ciphertext));
    await assert.rejects(hpkeOpen(recipient, enc, Buffer.from('other'), Buffer.from('aad'), ciphertext));
    const flipped = Buffer.from(ciphertext);
    flipped[0]! ^= 1;
    await assert.rejects(hpkeOpen(recipient, enc, info, Buffer.from('aad'), flipped));
    await assert.rejects(
      hpkeOpen(
        localDecapsulator(generateX25519KeyPair().privateKey),
        enc,
        info,
        Buffer.from('aad'),
        ciphertext,
      ),
    );
  });

  it('refuses an all-zero (small-order) ephemeral key (§7.1.4)', async () => {
    const recipient = localDecapsulator(generateX25519KeyPair().privateKey);
    await assert.rejects(
      hpkeOpen(recipient, Buffer.alloc(32), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(16)),
    );
  });
});
