// Channel configuration from the environment, as an operator sets it.
//
// Production push configuration: Herald configured through HERALD_APNS_* and a Google service
// account file (HERALD_FCM_SERVICE_ACCOUNT_FILE), as an operator would, against the simulator's
// APNs and FCM endpoints and its OAuth 2.0 token endpoint (the JWT bearer grant, RFC 7523).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import pino from 'pino';
import { buildAdapters } from '../../src/channel-setup.ts';
import type { ChannelAdapter } from '../../src/channels/channel-adapter.ts';
import { loadConfig } from '../../src/config.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import { loadProfile } from '../../src/simulator/profile.ts';
import { startPush, type PushHandle } from '../../src/simulator/push/push-server.ts';
import { heraldCode, testMessage } from './channel-adapter.helpers.ts';

const APNS_TOKEN = `apns:${'ab'.repeat(32)}`;
const FCM_TOKEN = 'fcm:device-registration-token-1';
const silent = pino({ level: 'silent' });

interface Rig {
  readonly push: PushHandle;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

async function rig(t: TestContext): Promise<Rig> {
  const push = await startPush({ profile: loadProfile() });
  const dir = mkdtempSync(join(tmpdir(), 'herald-push-config-'));
  t.after(async () => {
    await push.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const { apns, fcm } = push.credentials;
  const env = {
    HERALD_DATA_DIR: dir,
    HERALD_APNS_KEY_FILE: file('AuthKey.p8', apns.privateKey!),
    HERALD_APNS_KEY_ID: apns.keyId,
    HERALD_APNS_TEAM_ID: apns.teamId,
    HERALD_APNS_TOPIC: apns.topic,
    HERALD_APNS_ORIGIN: push.url,
    HERALD_FCM_SERVICE_ACCOUNT_FILE: file('service-account.json', fcm.serviceAccountJson),
    HERALD_FCM_ORIGIN: push.url,
    HERALD_PUSH_CA_FILE: file('ca.pem', push.ca),
  };
  return { push, dir, env };
}

async function pushAdapter(t: TestContext, env: NodeJS.ProcessEnv): Promise<ChannelAdapter> {
  const noop = () => Promise.resolve();
  const adapters = buildAdapters(loadConfig(env), undefined, { onReceipt: noop, onInbound: noop }, silent, {
    worker: true,
  });
  const adapter = adapters.get('push');
  assert.ok(adapter, 'a push adapter from the configuration alone');
  t.after(() => adapter.close());
  await adapter.start();
  return adapter;
}

describe('push configured for production providers', () => {
  test('APNs with the .p8 key, FCM with OAuth tokens from the service account, one exchange reused', async (t) => {
    const { push, env } = await rig(t);
    const adapter = await pushAdapter(t, env);
    for (const to of [APNS_TOKEN, FCM_TOKEN, APNS_TOKEN, FCM_TOKEN]) await adapter.send(testMessage(to));
    const got = push.received();
    assert.deepEqual(
      got.map((r) => r.provider),
      ['apns', 'fcm', 'apns', 'fcm'],
    );
    assert.equal(push.oauthTokensIssued(), 1, 'the access token is reused, not exchanged per push');
  });

  test('a service account key the token endpoint does not know: auth failed, nothing sent', async (t) => {
    const { push, env, dir } = await rig(t);
    const account = JSON.parse(push.credentials.fcm.serviceAccountJson) as Record<string, string>;
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    account.private_key = other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(account));
    const adapter = await pushAdapter(t, {
      ...env,
      HERALD_FCM_SERVICE_ACCOUNT_FILE: join(dir, 'forged.json'),
    });
    await assert.rejects(adapter.send(testMessage(FCM_TOKEN)), (err: unknown) => {
      heraldCode('HERALD_ERR_CHANNEL_AUTH_FAILED', false)(err);
      assert.match((err as Error).message, /invalid_grant/);
      return true;
    });
    assert.equal(push.received().length, 0);
    assert.equal(push.oauthTokensIssued(), 0);
  });

  test('bad configuration stops the start with a clear error that names the variable, not the key', async (t) => {
    const { env, dir } = await rig(t);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'rsa.p8'), rsaPem);
    writeFileSync(join(dir, 'not-json'), rsaPem);
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ ...env, HERALD_APNS_TOPIC: '' }, /missing HERALD_APNS_TOPIC/],
      [{ ...env, HERALD_APNS_KEY_FILE: join(dir, 'rsa.p8') }, /HERALD_APNS_KEY_FILE must hold a P-256/],
      [{ ...env, HERALD_APNS_KEY_FILE: join(dir, 'missing.p8') }, /HERALD_APNS_KEY_FILE cannot be read/],
      [{ ...env, HERALD_APNS_ORIGIN: 'http://127.0.0.1:1' }, /HERALD_APNS_ORIGIN must be an https/],
      [{ ...env, HERALD_FCM_SERVICE_ACCOUNT_FILE: join(dir, 'not-json') }, /not JSON/],
    ];
    for (const [bad, message] of cases) {
      assert.throws(
        () => loadConfig(bad),
        (err: unknown) => {
          assert.ok(isHeraldError(err));
          assert.equal(err.code, 'HERALD_ERR_CONFIG_INVALID');
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /BEGIN|PRIVATE KEY/);
          return true;
        },
      );
    }
  });

  test('without HERALD_APNS_* or HERALD_FCM_* there is no production push configuration', () => {
    assert.equal(loadConfig({}).push, undefined);
  });
});

describe('reply retention configuration', () => {
  test('takes a duration of at least an hour', () => {
    assert.equal(loadConfig({}).inboundRetentionMs, 30 * 86_400_000);
    assert.equal(loadConfig({ HERALD_INBOUND_RETENTION: '2h' }).inboundRetentionMs, 7_200_000);
    for (const bad of ['10m', '30 days', '0d'])
      assert.throws(() => loadConfig({ HERALD_INBOUND_RETENTION: bad }), /at least 1h/);
  });
});
