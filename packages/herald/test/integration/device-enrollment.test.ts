import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashEnrollmentToken } from '../../src/keys/enrollment-token.ts';
import { hashDeviceToken } from '../../src/keys/device-token.ts';
import { b64, call, fixture, openKeysHarness, type KeysHarness } from '../support/keys-harness.ts';
import { testDatabases } from '../support/databases.ts';

/** The raw Ed25519 key a fixture certificate certifies. */
const certifiedKey = (pem: string) =>
  new Uint8Array(Buffer.from(new X509Certificate(pem).publicKey.export({ format: 'jwk' }).x!, 'base64url'));

for (const { db, name } of testDatabases()) {
  describe(`device enrollment (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let h: KeysHarness;
    let admin: string;
    before(async () => {
      h = await openKeysHarness(db!);
      admin = await h.keyFor('acme', 'admin');
    });
    after(() => h.dispose());

    const deviceCount = async () =>
      Number(
        (
          await h.store.conn.db
            .selectFrom('devices')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const enrollWith = (token: string, signatureKey: Uint8Array, extra: object = {}) =>
      call(h.app, 'POST', '/v1/devices', undefined, {
        enrollmentToken: token,
        signatureKey: b64(signatureKey),
        ...extra,
      });

    it('enrolls a device with a one-time token: device, hashed token and directory entry at once', async () => {
      const issued = await call(h.app, 'POST', '/v1/enrollment-tokens', admin, { userId: 'alice' });
      assert.equal(issued.status, 201);
      assert.match(issued.body.token, /^het_[A-Za-z0-9_-]{43}$/);
      assert.equal(issued.body.userId, 'alice');
      const expires = Date.parse(issued.body.expiresAt) - Date.now();
      assert.ok(expires > 23.9 * 3600_000 && expires <= 24 * 3600_000, 'lives 24 h by default');

      const { publicKey } = await h.engine.generateSignatureKeyPair();
      const r = await enrollWith(issued.body.token, publicKey, { name: 'Alice phone' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const { device, deviceToken, directory } = r.body;
      assert.deepEqual(
        { userId: device.userId, name: device.name, status: device.status, managed: device.managed },
        { userId: 'alice', name: 'Alice phone', status: 'active', managed: false },
      );
      assert.equal(device.signatureKey, b64(publicKey));
      assert.match(deviceToken, /^hdv_/);

      // The entry is exactly the contract's JSON, and the leaf hash is RFC 9162's over its bytes.
      const tenant = (await h.store.tenants.findTenantByName('acme'))!;
      const entry = JSON.parse(directory.entry);
      assert.deepEqual(Object.keys(entry), ['v', 'action', 'tenant', 'user', 'device', 'suite', 'key', 'at']);
      assert.deepEqual(
        { ...entry, at: 0 },
        {
          v: 1,
          action: 'publish',
          tenant: tenant.id,
          user: 'alice',
          device: device.id,
          suite: 1,
          key: b64(publicKey),
          at: 0,
        },
      );
      const leaf = createHash('sha256')
        .update(Buffer.from([0]))
        .update(directory.entry, 'utf8')
        .digest();
      assert.equal(directory.leafHash, leaf.toString('base64'));

      // The device token works at once; only hashes are stored.
      const me = await call(h.app, 'GET', '/v1/devices/me', deviceToken);
      assert.equal(me.status, 200);
      assert.equal(me.body.id, device.id);
      const row = await h.store.conn.db
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', device.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.token_hash, hashDeviceToken(deviceToken));
      const tok = await h.store.conn.db
        .selectFrom('enrollment_tokens')
        .selectAll()
        .where('hash', '=', hashEnrollmentToken(issued.body.token))
        .executeTakeFirstOrThrow();
      assert.ok(tok.used_at !== null);
      const audit = await h.store.conn.db
        .selectFrom('audit_events')
        .select(['action', 'target', 'details'])
        .where('tenant_id', '=', tenant.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        ['device.enrollment_token.issued', 'device.enrolled'],
      );
      for (const a of audit) assert.equal(JSON.stringify(a).includes(issued.body.token), false);
    });

    it('uses a token once, even when many enrollments race for it', async () => {
      const token = await h.issueToken(admin, 'bob');
      const before = await deviceCount();
      const keys = await Promise.all(Array.from({ length: 12 }, () => h.engine.generateSignatureKeyPair()));
      const results = await Promise.all(keys.map((k) => enrollWith(token, k.publicKey)));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array<number>(11).fill(401)]);
      for (const r of results.filter((x) => x.status === 401))
        assert.equal(r.body.error.code, 'HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID');
      assert.equal(await deviceCount(), before + 1);
      const again = await enrollWith(token, keys[0]!.publicKey);
      assert.equal(again.body.error.code, 'HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID');
    });

    it('refuses expired, unknown and malformed tokens', async () => {
      const { publicKey } = await h.engine.generateSignatureKeyPair();
      const token = await h.issueToken(admin, 'carol');
      await h.store.conn.db
        .updateTable('enrollment_tokens')
        .set({ expires_at: Date.now() - 1 })
        .where('hash', '=', hashEnrollmentToken(token))
        .execute();
      for (const t of [token, `het_${'A'.repeat(43)}`, 'het_short', 'hk_whatever']) {
        const r = await enrollWith(t, publicKey);
        assert.equal(r.status, 401, t);
        assert.equal(r.body.error.code, 'HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID');
      }
    });

    it('refuses bad input with stable codes and leaves the token unused and no device', async () => {
      const token = await h.issueToken(admin, 'dave');
      const before = await deviceCount();
      const { publicKey } = await h.engine.generateSignatureKeyPair();
      const cases: Array<[object, number, string]> = [
        [{ signatureKey: b64(new Uint8Array(31)) }, 400, 'HERALD_ERR_KEYS_INVALID_SIGNATURE_KEY'],
        [{ signatureKey: 'not base64!' }, 400, 'HERALD_ERR_API_VALIDATION'],
        [{ signatureKey: b64(new Uint8Array(48)) }, 400, 'HERALD_ERR_API_VALIDATION'],
        [{ name: 'bad\nname' }, 400, 'HERALD_ERR_API_VALIDATION'],
        [{ attestation: { format: 'tpm', evidence: 'x' } }, 400, 'HERALD_ERR_API_VALIDATION'],
        [
          { attestation: { format: 'x509', evidence: 'not a certificate' } },
          400,
          'HERALD_ERR_KEYS_ATTESTATION_REJECTED',
        ],
        [
          { attestation: { format: 'x509', evidence: fixture('wrong-ca-device.pem') } },
          400,
          'HERALD_ERR_KEYS_ATTESTATION_REJECTED',
        ],
        // A valid chain for another key proves nothing about this device.
        [
          { attestation: { format: 'x509', evidence: fixture('device.pem') } },
          400,
          'HERALD_ERR_KEYS_ATTESTATION_REJECTED',
        ],
        [{ extra: true }, 400, 'HERALD_ERR_API_VALIDATION'],
      ];
      for (const [extra, status, code] of cases) {
        const r = await enrollWith(token, publicKey, extra);
        assert.equal(r.status, status, JSON.stringify(extra));
        assert.equal(r.body.error.code, code, JSON.stringify(extra));
      }
      const wrongCa = await enrollWith(token, publicKey, {
        attestation: { format: 'x509', evidence: fixture('wrong-ca-device.pem') },
      });
      assert.match(wrongCa.body.error.message, /untrusted/);
      assert.equal(await deviceCount(), before, 'no device was created');
      const ok = await enrollWith(token, publicKey);
      assert.equal(ok.status, 201, 'the token is still unused');
    });

    it('marks a device managed when its key is certified by the MDM CA', async () => {
      const pem = fixture('device.pem');
      const r = await enrollWith(await h.issueToken(admin, 'erin'), certifiedKey(pem), {
        attestation: { format: 'x509', evidence: pem },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.device.managed, true);
      // The CA may come along at the end of the chain.
      const withCa = await enrollWith(await h.issueToken(admin, 'erin'), certifiedKey(pem), {
        attestation: { format: 'x509', evidence: `${pem}\n${fixture('ca.pem')}` },
      });
      assert.equal(withCa.body.device.managed, true);
      const dev = await enrollWith(await h.issueToken(admin, 'erin'), certifiedKey(pem), {
        attestation: { format: 'dev', evidence: 'anything' },
      });
      assert.equal(dev.body.device.managed, false);
    });

    it('refuses a format the gateway does not accept, and keeps tokens for admins only', async () => {
      const devOnly = await openKeysHarness(db!, { verifiers: [] });
      try {
        const a = await devOnly.keyFor('acme', 'admin');
        const { publicKey } = await devOnly.engine.generateSignatureKeyPair();
        const r = await call(devOnly.app, 'POST', '/v1/devices', undefined, {
          enrollmentToken: await devOnly.issueToken(a, 'frank'),
          signatureKey: b64(publicKey),
          attestation: { format: 'x509', evidence: fixture('device.pem') },
        });
        assert.equal(r.body.error.code, 'HERALD_ERR_KEYS_ATTESTATION_UNSUPPORTED');
      } finally {
        await devOnly.dispose();
      }
      const sender = await h.keyFor('acme', 'sender');
      const d = await h.enroll(admin, 'gina');
      for (const [token, code] of [
        [sender, 'HERALD_ERR_AUTH_FORBIDDEN'],
        [d.token, 'HERALD_ERR_AUTH_FORBIDDEN'],
        [undefined, 'HERALD_ERR_AUTH_MISSING'],
      ] as const) {
        const r = await call(h.app, 'POST', '/v1/enrollment-tokens', token, { userId: 'gina' });
        assert.equal(r.body.error.code, code);
      }
      for (const body of [{ userId: 'user:gina' }, { userId: 'a b' }, { userId: 'gina', ttlSeconds: 10 }]) {
        const r = await call(h.app, 'POST', '/v1/enrollment-tokens', admin, body);
        assert.equal(r.body.error.code, 'HERALD_ERR_API_VALIDATION', JSON.stringify(body));
      }
      const me = await call(h.app, 'GET', '/v1/devices/me', admin);
      assert.equal(me.body.error.code, 'HERALD_ERR_AUTH_FORBIDDEN');
    });
  });
}
