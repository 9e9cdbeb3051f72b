import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { TenantId } from '../ids.ts';
import type { AttestationSubject, AttestationVerifier } from './attestation-verifier.ts';
import { DevAttestationVerifier } from './dev-attestation-verifier.ts';
import { X509AttestationVerifier } from './x509-attestation-verifier.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/mdm/${name}`, import.meta.url), 'utf8');
const ca = fixture('ca.pem');
const leaf = fixture('device.pem');
/** The raw Ed25519 key the first certificate of `pem` certifies. */
const certifiedKey = (pem: string) =>
  new Uint8Array(Buffer.from(new X509Certificate(pem).publicKey.export({ format: 'jwk' }).x!, 'base64url'));
const leafKey = certifiedKey(leaf);
const otherKey = new Uint8Array(
  Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!, 'base64url'),
);
const subject = (signatureKey: Uint8Array): AttestationSubject => ({
  tenantId: 'ten_1' as TenantId,
  userId: 'alice',
  signatureKey,
});

describe('DevAttestationVerifier', () => {
  it('accepts anything and never calls a device managed', async () => {
    const v: AttestationVerifier = new DevAttestationVerifier();
    assert.deepEqual(await v.verify('', subject(otherKey)), { ok: true, managed: false });
    assert.deepEqual(await v.verify(leaf, subject(leafKey)), { ok: true, managed: false });
  });
});

describe('X509AttestationVerifier', () => {
  const v: AttestationVerifier = new X509AttestationVerifier(ca);

  it('marks a device managed when its key is certified by the MDM CA (with or without the CA in the chain)', async () => {
    assert.deepEqual(await v.verify(leaf, subject(leafKey)), { ok: true, managed: true });
    assert.deepEqual(await v.verify(`${leaf}\n${ca}\n`, subject(leafKey)), { ok: true, managed: true });
  });

  it('follows intermediates, in order, up to the CA', async () => {
    const chain = fixture('intermediate-chain.pem');
    const key = certifiedKey(chain);
    assert.deepEqual(await v.verify(chain, subject(key)), { ok: true, managed: true });
    const [issued, intermediate] = chain.match(/-----BEGIN[^]+?-----END CERTIFICATE-----\n/g)!;
    const outOfOrder = await v.verify(`${intermediate}${issued}`, subject(key));
    assert.deepEqual(outOfOrder, { ok: false, reason: 'untrusted' });
    assert.deepEqual(await v.verify(issued!, subject(key)), { ok: false, reason: 'untrusted' });
  });

  it('refuses a chain for another key, a foreign CA, and certificates outside their validity', async () => {
    const refused = async (evidence: string, key: Uint8Array, now?: Date) => {
      const r = await v.verify(evidence, subject(key), now ? { now } : {});
      return r.ok ? 'accepted' : r.reason;
    };
    assert.equal(await refused(leaf, otherKey), 'key_mismatch');
    assert.equal(await refused(fixture('wrong-ca-device.pem'), leafKey), 'untrusted');
    // The same-named foreign CA's leaf, even with the trusted CA appended, does not chain.
    assert.equal(await refused(`${fixture('wrong-ca-device.pem')}${ca}`, leafKey), 'untrusted');
    // The CA itself is no device certificate.
    assert.equal(await refused(ca, leafKey), 'untrusted');
    assert.equal(await refused(leaf, leafKey, new Date('2200-01-01T00:00:00Z')), 'expired');
    assert.equal(await refused(leaf, leafKey, new Date('2000-01-01T00:00:00Z')), 'not_yet_valid');
  });

  it('refuses anything that is not a short chain of PEM certificates', async () => {
    const body = leaf.split('\n').slice(1, -2).join('\n');
    for (const evidence of [
      '',
      'hello',
      `${leaf}trailing text`,
      `-----BEGIN CERTIFICATE-----\n${body.slice(0, 40)}\n-----END CERTIFICATE-----`,
      Array<string>(6).fill(leaf).join(''),
    ]) {
      const r = await v.verify(evidence, subject(leafKey));
      assert.deepEqual(r, { ok: false, reason: 'malformed' }, evidence.slice(0, 40));
    }
  });

  it('is configured with a CA certificate or not at all', () => {
    assert.throws(() => new X509AttestationVerifier('not a pem'), { code: 'HERALD_ERR_CONFIG_INVALID' });
    assert.throws(() => new X509AttestationVerifier(leaf), { code: 'HERALD_ERR_CONFIG_INVALID' });
    assert.throws(() => X509AttestationVerifier.fromFile('/nonexistent/ca.pem'), {
      code: 'HERALD_ERR_CONFIG_INVALID',
    });
  });
});
