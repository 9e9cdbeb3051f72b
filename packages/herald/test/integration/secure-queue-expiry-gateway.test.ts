// The inbox TTL job in a real gateway (`startGateway`, worker role): an item nobody fetches is
// deleted from the database by the job the worker starts, without any test calling it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { nodeCryptoProvider } from '../../src/e2ee/mls/crypto/node-crypto-provider.ts';
import { MlsTestWorld } from '../../src/e2ee/mls/mls-test-kit.ts';
import { startGateway } from '../../src/gateway.ts';
import { decodeBase64 } from '../../src/tlog/base64.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { b64, call } from '../support/keys-harness.ts';

describe('the inbox TTL job in the gateway', () => {
  it('deletes an inbox item nobody fetched once its TTL is over, on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-expiry-'));
    const gw = await startGateway({
      config: loadConfig({
        HERALD_DATA_DIR: dir,
        PORT: '0',
        HERALD_SECURE_QUEUE_TTL_MS: '1000',
        HERALD_SECURE_QUEUE_EXPIRY_INTERVAL_MS: '1000',
      }),
      api: true,
      worker: true,
      sandbox: true,
      logger: pino({ level: 'silent' }),
    });
    try {
      const app = gw.app!;
      // A device of alice, enrolled through the API, with its own MLS state.
      const world = new MlsTestWorld(nodeCryptoProvider);
      const signer = await world.engine.generateSignatureKeyPair();
      const issued = await call(app, 'POST', '/v1/enrollment-tokens', gw.sandboxKey, { userId: 'alice' });
      const enrolled = await call(app, 'POST', '/v1/devices', undefined, {
        enrollmentToken: issued.body.token,
        signatureKey: b64(signer.publicKey),
      });
      assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
      const token = enrolled.body.deviceToken as string;
      const identity = { userId: 'alice', deviceId: enrolled.body.device.id as string };
      world.directory.publish(identity, signer.publicKey);
      const config = await call(app, 'GET', '/v1/secure/config', token);
      const external = config.body.externalSender;
      world.directory.publish(external, decodeBase64(external.signatureKey)!);

      // Alice's group, and a commit the server echoes to her inbox: the item to expire.
      const groupId = randomBytes(32);
      const state = await world.engine.createGroup(await world.engine.generateKeyPackage(identity, signer), {
        groupId,
        externalSenders: [{ identity: external, signaturePublicKey: decodeBase64(external.signatureKey)! }],
      });
      assert.equal((await call(app, 'POST', '/v1/groups', token, { groupId: b64(groupId) })).status, 201);
      const { commit } = await world.engine.commitPending(state);
      const posted = await call(
        app,
        'POST',
        `/v1/groups/${encodeURIComponent(b64(groupId))}/handshake`,
        token,
        { message: b64(commit) },
      );
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      const queued = () =>
        gw.store.conn.db
          .selectFrom('secure_queue')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
      assert.equal(await queued(), 1, 'the echo is queued');

      // Nobody fetches; the worker's job deletes the item within TTL + interval (+ slack).
      await eventually(async () => ((await queued()) === 0 ? true : undefined), 10_000, 'expiry');
      const inbox = await call(app, 'GET', '/v1/devices/me/inbox?after=0', token);
      assert.deepEqual(inbox.body.items, []);
      const row = await gw.store.conn.db
        .selectFrom('secure_inboxes')
        .select(['length'])
        .where('device_id', '=', identity.deviceId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(row.length), 0, 'the inbox length went down with the deletion');
    } finally {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
