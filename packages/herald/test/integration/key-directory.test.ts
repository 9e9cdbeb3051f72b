import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/gateway.ts';
import {
  consistencyProofFromJson,
  hashLeaf,
  inclusionProofFromJson,
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
} from '../../src/tlog/index.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { b64, call, openKeysHarness, type KeysHarness } from '../support/keys-harness.ts';
import { testDatabases } from '../support/databases.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

for (const { db, name } of testDatabases()) {
  describe(`key directory (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let h: KeysHarness;
    let admin: string;
    before(async () => {
      h = await openKeysHarness(db!);
      admin = await h.keyFor('acme', 'admin');
    });
    after(() => h.dispose());

    const checkpoint = async (): Promise<Checkpoint> => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/tlog/keys/checkpoint' });
      assert.equal(res.statusCode, 200, res.body);
      return openCheckpoint(res.body, h.trust).checkpoint;
    };
    const directory = async (token: string, userId: string, deviceId: string) => {
      const r = await call(h.app, 'GET', `/v1/directory/${userId}/${deviceId}`, token);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.entries as Array<{ entry: string; leafIndex: number | null }>;
    };
    const proveIncluded = async (entry: string, index: number, cp: Checkpoint) => {
      const r = await call(h.app, 'GET', `/v1/tlog/keys/inclusion?index=${index}&size=${cp.size}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return verifyInclusion(inclusionProofFromJson(r.body), hashLeaf(utf8(entry)), cp.root);
    };

    it('publishes each enrollment as a leaf, provable under a signed checkpoint once sequenced', async () => {
      const empty = await h.app.inject({ method: 'GET', url: '/v1/tlog/keys/checkpoint' });
      assert.equal(empty.statusCode, 404, 'nothing signed before the first sequencing');
      const alice = await h.enroll(admin, 'alice');
      const bob = await h.enroll(admin, 'bob');
      const pending = await directory(bob.token, 'alice', alice.id);
      assert.deepEqual(pending, [{ entry: alice.entry, leafIndex: null }]);

      assert.equal(await h.keys.directory.log.sequenceAll(), 2);
      const cp = await checkpoint();
      assert.equal(cp.size, 2);
      const [published] = await directory(bob.token, 'alice', alice.id);
      assert.equal(published!.entry, alice.entry);
      assert.equal(typeof published!.leafIndex, 'number');
      assert.equal(await proveIncluded(alice.entry, published!.leafIndex!, cp), true);
      // A substituted key is caught: its entry is not the leaf the log holds.
      const forged = alice.entry.replace(b64(alice.signer.publicKey), b64(bob.signer.publicKey));
      assert.notEqual(forged, alice.entry);
      assert.equal(await proveIncluded(forged, published!.leafIndex!, cp), false);
    });

    it('appends a revoke entry, and later checkpoints are consistent with earlier ones', async () => {
      await h.keys.directory.log.sequenceAll();
      const before = await checkpoint();
      const carol = await h.enroll(admin, 'carol');
      const dave = await h.enroll(admin, 'dave');
      await call(h.app, 'POST', `/v1/devices/${carol.id}/revoke`, admin);
      await h.keys.directory.log.sequenceAll();
      const later = await checkpoint();
      assert.equal(later.size, before.size + 3);

      const entries = await directory(dave.token, 'carol', carol.id);
      assert.deepEqual(
        entries.map((e) => (JSON.parse(e.entry) as { action: string }).action),
        ['publish', 'revoke'],
      );
      for (const e of entries) assert.equal(await proveIncluded(e.entry, e.leafIndex!, later), true);
      const c = await call(h.app, 'GET', `/v1/tlog/keys/consistency?from=${before.size}&to=${later.size}`);
      assert.equal(c.status, 200);
      assert.equal(verifyConsistency(consistencyProofFromJson(c.body), before.root, later.root), true);
    });

    it("publishes the Delivery Service's own key like a device's, once", async () => {
      const tenantId = (await h.store.tenants.findTenantByName('acme'))!.id;
      const ds = await h.engine.generateSignatureKeyPair();
      const key = { userId: 'herald', deviceId: `ds_${tenantId}`, signatureKey: ds.publicKey };
      const first = await h.keys.enrollment.publishServiceKey(tenantId, key);
      assert.deepEqual(await h.keys.enrollment.publishServiceKey(tenantId, key), first);
      const reader = await h.enroll(admin, 'gail');
      const entries = await directory(reader.token, 'herald', key.deviceId);
      assert.equal(entries.length, 1, 'published once');
      assert.equal((JSON.parse(entries[0]!.entry) as { key: string }).key, b64(ds.publicKey));
      const lookup = h.keys.signatureKeys(tenantId);
      assert.deepEqual(await lookup({ userId: 'herald', deviceId: key.deviceId }), ds.publicKey);
      const other = await h.engine.generateSignatureKeyPair();
      await assert.rejects(
        h.keys.enrollment.publishServiceKey(tenantId, { ...key, signatureKey: other.publicKey }),
        {
          code: 'HERALD_ERR_KEYS_SERVICE_KEY_CONFLICT',
        },
      );
    });

    it('shows directory entries to devices of the same tenant only', async () => {
      const erin = await h.enroll(admin, 'erin');
      const other = await h.enroll(await h.keyFor('globex', 'admin'), 'erin');
      for (const [token, code] of [
        [other.token, 'HERALD_ERR_DEVICE_NOT_FOUND'],
        [admin, 'HERALD_ERR_AUTH_FORBIDDEN'],
        [undefined, 'HERALD_ERR_AUTH_MISSING'],
      ] as const) {
        const r = await call(h.app, 'GET', `/v1/directory/erin/${erin.id}`, token);
        assert.equal(r.body.error.code, code);
      }
      const wrongUser = await call(h.app, 'GET', `/v1/directory/frank/${erin.id}`, erin.token);
      assert.equal(wrongUser.body.error.code, 'HERALD_ERR_DEVICE_NOT_FOUND');
      const badUser = await call(h.app, 'GET', `/v1/directory/user:erin/${erin.id}`, erin.token);
      assert.equal(badUser.body.error.code, 'HERALD_ERR_API_VALIDATION');
    });
  });
}

describe('key directory in the gateway', () => {
  it('sequences key directory entries every second under a development signer key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-keys-'));
    const gw = await startGateway({
      config: loadConfig({ HERALD_DATA_DIR: dir, PORT: '0' }),
      api: true,
      worker: true,
      sandbox: true,
      logger: pino({ level: 'silent' }),
    });
    try {
      const app = gw.app!;
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      for (const path of [
        '/v1/devices',
        '/v1/enrollment-tokens',
        '/v1/key-packages/claim',
        '/v1/tlog/{log}/checkpoint',
      ])
        assert.ok(path in doc.paths, path);
      assert.deepEqual(doc.paths['/v1/devices'].post.security, [], 'enrollment takes no bearer token');
      const issued = await call(app, 'POST', '/v1/enrollment-tokens', gw.sandboxKey, { userId: 'alice' });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
      const raw = Buffer.from(jwk.x!, 'base64url');
      const e = await call(app, 'POST', '/v1/devices', undefined, {
        enrollmentToken: issued.body.token,
        signatureKey: b64(raw),
      });
      assert.equal(e.status, 201, JSON.stringify(e.body));
      const index = await eventually(async () => {
        const r = await call(app, 'GET', `/v1/directory/alice/${e.body.device.id}`, e.body.deviceToken);
        return (r.body.entries[0].leafIndex as number | null) ?? undefined;
      }, 5000);
      const note = (await app.inject({ method: 'GET', url: '/v1/tlog/keys/checkpoint' })).body;
      const verifier = parseVerifierKey(readFileSync(join(dir, 'keys-signer.pub'), 'utf8').trim());
      const { checkpoint } = openCheckpoint(note, { origin: 'herald.local/keys', verifiers: [verifier] });
      const proof = await call(app, 'GET', `/v1/tlog/keys/inclusion?index=${index}&size=${checkpoint.size}`);
      assert.equal(
        verifyInclusion(
          inclusionProofFromJson(proof.body),
          hashLeaf(utf8(e.body.directory.entry)),
          checkpoint.root,
        ),
        true,
      );
    } finally {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
