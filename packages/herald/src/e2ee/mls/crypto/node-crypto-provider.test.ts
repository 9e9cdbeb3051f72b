import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  defaultCryptoProvider,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
} from 'ts-mls';
import { CryptoError, DependencyError } from 'ts-mls/mlsError.js';
import { PrivateKeyCache } from './key-cache.ts';
import { createNodeCryptoProvider, nodeCryptoProvider } from './node-crypto-provider.ts';
import { exportRawPublic, importRawPrivate, NODE_CURVES } from './node-keys.ts';
import { aeadOpen, aeadSeal, digest, hkdfExpand, ownBytes } from './node-primitives.ts';

const SUITE1 = getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
const msg = new TextEncoder().encode('herald');

async function pair(): Promise<{ native: CiphersuiteImpl; stock: CiphersuiteImpl }> {
  return {
    native: await getCiphersuiteImpl(SUITE1, nodeCryptoProvider),
    stock: await getCiphersuiteImpl(SUITE1, defaultCryptoProvider),
  };
}

void describe('Node crypto provider', () => {
  void it('imports raw private keys by JWK to the same key OpenSSL gets from PKCS#8', () => {
    for (const curve of NODE_CURVES) {
      const { privateKey } = curve.startsWith('P-')
        ? generateKeyPairSync('ec', { namedCurve: curve })
        : generateKeyPairSync(curve.toLowerCase() as 'x25519');
      const jwk = privateKey.export({ format: 'jwk' });
      const raw = Buffer.from(jwk.d ?? '', 'base64url');
      const mine = importRawPrivate(curve, raw);
      assert.deepEqual(
        createPublicKey(mine).export({ format: 'jwk' }),
        createPublicKey(privateKey).export({ format: 'jwk' }),
        curve,
      );
      assert.equal(
        exportRawPublic(curve, mine).length,
        curve.startsWith('P-') ? 1 + 2 * raw.length : raw.length,
      );
    }
    // ts-mls's stock provider hands out Ed25519 keys as PKCS#8; they import as the same key.
    const { privateKey } = generateKeyPairSync('ed25519');
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const viaPkcs8 = importRawPrivate('Ed25519', pkcs8);
    assert.deepEqual(
      createPublicKey(viaPkcs8).export({ format: 'jwk' }),
      createPublicKey(privateKey).export({ format: 'jwk' }),
    );
    assert.throws(() => importRawPrivate('X25519', new Uint8Array(31)), CryptoError);
    assert.ok(createPrivateKey);
  });

  void it('interoperates with the stock provider: signatures, HPKE and key derivation', async () => {
    const { native, stock } = await pair();
    for (const [a, b] of [
      [native, stock],
      [stock, native],
    ] as const) {
      const keys = await a.signature.keygen();
      assert.ok(await b.signature.verify(keys.publicKey, msg, await a.signature.sign(keys.signKey, msg)));
      assert.ok(await a.signature.verify(keys.publicKey, msg, await b.signature.sign(keys.signKey, msg)));
      const kp = await b.hpke.generateKeyPair();
      const pub = await a.hpke.importPublicKey(await b.hpke.exportPublicKey(kp.publicKey));
      const sealed = await a.hpke.seal(pub, msg, msg, msg);
      assert.deepEqual(await b.hpke.open(kp.privateKey, sealed.enc, sealed.ct, msg, msg), msg);
      const exported = await a.hpke.exportSecret(pub, msg, 32, msg);
      assert.deepEqual(await b.hpke.importSecret(kp.privateKey, msg, exported.enc, 32, msg), exported.secret);
    }
    const ikm = new Uint8Array(32).fill(9);
    assert.deepEqual(
      await native.hpke.exportPublicKey((await native.hpke.deriveKeyPair(ikm)).publicKey),
      await stock.hpke.exportPublicKey((await stock.hpke.deriveKeyPair(ikm)).publicKey),
    );
    assert.deepEqual(await native.kdf.expand(ikm, msg, 42), await stock.kdf.expand(ikm, msg, 42));
    assert.deepEqual(await native.kdf.extract(ikm, msg), await stock.kdf.extract(ikm, msg));
    assert.deepEqual(await native.hash.mac(ikm, msg), await stock.hash.mac(ikm, msg));
  });

  void it('refuses what does not verify or decrypt, without throwing from verify', async () => {
    const { native } = await pair();
    const keys = await native.signature.keygen();
    const sig = await native.signature.sign(keys.signKey, msg);
    assert.equal(await native.signature.verify(keys.publicKey, new Uint8Array([1]), sig), false);
    assert.equal(await native.signature.verify(new Uint8Array(5), msg, sig), false);
    assert.equal(await native.signature.verify(keys.publicKey, msg, sig.subarray(1)), false);
    assert.equal(await native.hash.verifyMac(msg, new Uint8Array(32), msg), false);
    const key = new Uint8Array(16);
    const nonce = new Uint8Array(12);
    const ct = aeadSeal('aes-128-gcm', key, nonce, msg, msg);
    ct[0]! ^= 1;
    assert.throws(() => aeadOpen('aes-128-gcm', key, nonce, msg, ct), CryptoError);
    const kp = await native.hpke.generateKeyPair();
    await assert.rejects(
      native.hpke.open(kp.privateKey, new Uint8Array(32), new Uint8Array(40), msg),
      CryptoError,
    );
  });

  void it('hands out plain arrays that share memory with nothing, and no key bytes past a short output', async () => {
    const { native } = await pair();
    const prk = new Uint8Array(32).fill(7);
    const outputs = [
      await native.kdf.expand(prk, msg, 16),
      await native.kdf.expand(prk, msg, 32),
      await native.hash.digest(msg),
      await native.hash.mac(prk, msg),
      await native.signature.sign((await native.signature.keygen()).signKey, msg),
      await native.hpke.decryptAead(
        prk.subarray(0, 16),
        new Uint8Array(12),
        msg,
        aeadSeal('aes-128-gcm', prk.subarray(0, 16), new Uint8Array(12), msg, msg),
      ),
    ];
    for (const out of outputs) {
      // ts-mls slices and zeroes what it gets; a Buffer's slice() would not copy.
      assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
      const copy = out.slice();
      copy.fill(1);
      assert.notDeepEqual(out, copy);
    }
    // A 16-byte key is a view of T(1): the other 16 bytes of T(1) are wiped, not left behind it.
    const key = hkdfExpand('sha256', prk, msg, 16);
    assert.deepEqual(key, hkdfExpand('sha256', prk, msg, 32).subarray(0, 16));
    assert.deepEqual(new Uint8Array(key.buffer, 16), new Uint8Array(key.buffer.byteLength - 16));
    assert.deepEqual(digest('sha256', msg), new Uint8Array(createHash('sha256').update(msg).digest()));
    // A Buffer sharing a pooled slab is copied, never viewed.
    const pooled = Buffer.from('pooled bytes');
    const own = ownBytes(pooled);
    own.fill(0);
    assert.equal(pooled.toString(), 'pooled bytes');
  });

  void it('never signs with a cached key after its bytes were erased in place', async () => {
    const { native } = await pair();
    const a = await native.signature.keygen();
    const b = await native.signature.keygen();
    const held = new Uint8Array(a.signKey);
    assert.ok(await native.signature.verify(a.publicKey, msg, await native.signature.sign(held, msg)));
    held.set(b.signKey); // the state's array now holds another key
    assert.ok(await native.signature.verify(b.publicKey, msg, await native.signature.sign(held, msg)));
    const cache = new PrivateKeyCache();
    let loads = 0;
    const load = (raw: Uint8Array) => {
      loads++;
      return importRawPrivate('Ed25519', raw);
    };
    const k = new Uint8Array(a.signKey);
    cache.get(k, load);
    cache.get(k, load);
    assert.equal(loads, 1);
    k.fill(0);
    cache.get(k, load);
    assert.equal(loads, 2);
  });

  void it('covers the seven RFC 9420 suites and refuses the rest unless given a fallback', async () => {
    for (const name of [
      'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
      'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
      'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448',
      'MLS_256_DHKEMP521_AES256GCM_SHA512_P521',
      'MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448',
      'MLS_256_DHKEMP384_AES256GCM_SHA384_P384',
    ] as const) {
      const cs = await getCiphersuiteImpl(getCiphersuiteFromName(name), nodeCryptoProvider);
      const keys = await cs.signature.keygen();
      assert.ok(
        await cs.signature.verify(keys.publicKey, msg, await cs.signature.sign(keys.signKey, msg)),
        name,
      );
      const kp = await cs.hpke.generateKeyPair();
      const sealed = await cs.hpke.seal(kp.publicKey, msg, msg);
      assert.deepEqual(await cs.hpke.open(kp.privateKey, sealed.enc, sealed.ct, msg), msg, name);
    }
    const pq = getCiphersuiteFromName('MLS_256_XWING_AES256GCM_SHA512_Ed25519');
    await assert.rejects(getCiphersuiteImpl(pq, nodeCryptoProvider), DependencyError);
    const fallback = { getCiphersuiteImpl: async () => ({ name: 'fallback' }) as unknown as CiphersuiteImpl };
    assert.equal((await createNodeCryptoProvider({ fallback }).getCiphersuiteImpl(pq)).name, 'fallback');
  });
});
