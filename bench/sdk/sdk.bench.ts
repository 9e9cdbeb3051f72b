// SDK benchmark: what the device client adds on top of the MLS engine, and what proving a key in
// the key directory costs, each against a baseline measured in the same run.
//
//   node --import tsx bench/sdk/sdk.bench.ts [--seconds 3] [--log-size 10000] [--only messages|keys]
//
// 1. Messages: the device client's send + the peer's sync (envelope, base64, JSON, store writes,
//    inbox handling) against the engine's raw encrypt + processMessage for the same group size.
//    The server is the in-process scripted one (test/support/fake-herald.ts), so no network or
//    database time is counted: the figure is the SDK's own cost.
// 2. Key proofs: KeyDirectory.deviceKey with its caches off (fetch a checkpoint, verify its
//    signature, fetch and verify an inclusion proof) in a log of --log-size entries, against
//    Node's raw Ed25519 verify rate. Prints rates and ratios; asserts nothing.
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MlsTestWorld } from '../../packages/herald/src/e2ee/mls/mls-test-kit.ts';
import { nodeCryptoProvider } from '../../packages/herald/src/e2ee/mls/crypto/node-crypto-provider.ts';
import { KeyDirectory } from '../../packages/sdk/src/directory/key-directory.ts';
import { createDevice, type DeviceClient } from '../../packages/sdk/src/device/device-client.ts';
import { HttpClient } from '../../packages/sdk/src/http/http-client.ts';
import { nodeMlsEngine } from '../../packages/sdk/src/node.ts';
import { MemoryStore } from '../../packages/sdk/src/store/memory-store.ts';
import { FakeHerald } from '../../packages/sdk/test/support/fake-herald.ts';
import { FakeKeyLog } from '../../packages/sdk/test/support/fake-key-log.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, 'log-size': { type: 'string' }, only: { type: 'string' } },
});
const SECONDS = Number(values.seconds ?? 3);
const LOG_SIZE = Number(values['log-size'] ?? 10_000);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** Operations per CPU second of `step`, run for SECONDS after a warm-up. */
async function rate(step: () => Promise<void> | void): Promise<number> {
  for (let i = 0; i < 5; i++) await step();
  let n = 0;
  const wall0 = performance.now();
  const cpu0 = cpu();
  while (performance.now() < wall0 + SECONDS * 1000) {
    await step();
    n++;
  }
  return n / ((cpu() - cpu0) / 1000);
}

async function device(server: FakeHerald, userId: string): Promise<DeviceClient> {
  const d = await createDevice({
    baseUrl: 'https://herald.bench',
    store: new MemoryStore(),
    directoryVerifierKey: server.log.verifierKey,
    fetch: server.fetch,
    mlsEngine: nodeMlsEngine,
  });
  await d.enroll({ enrollmentToken: server.enrollmentToken(userId) });
  return d;
}

async function messages(): Promise<void> {
  // Baseline: the engine alone, two members.
  const world = new MlsTestWorld(nodeCryptoProvider);
  const a = await world.enroll('alice', 'a');
  const b = await world.enroll('bob', 'b');
  let sa = await world.engine.createGroup(await a.keyPackage());
  const kb = await b.keyPackage();
  const out = await world.engine.addMembers(sa, [kb.keyPackage]);
  sa = world.engine.mergePendingCommit(out.pending);
  let sb = await world.engine.joinFromWelcome(out.welcome!, kb);
  const text = new TextEncoder().encode(JSON.stringify({ v: 1, text: 'x'.repeat(200) }));
  const raw = await rate(async () => {
    const e = await world.engine.encrypt(sa, text);
    sa = e.state;
    sb = (await world.engine.processMessage(sb, e.message)).state;
  });
  // The SDK: send on one device, sync on the other.
  const server = await new FakeHerald().start();
  const alice = await device(server, 'alice');
  const bob = await device(server, 'bob');
  const groupId = await alice.createGroup(['bob']);
  await bob.sync();
  const sdk = await rate(async () => {
    await alice.send(groupId, 'x'.repeat(200));
    const got = await bob.sync();
    if (got.length !== 1) throw new Error('lost a message');
  });
  console.log(
    `messages (2 members, 200 chars): engine ${fmt(raw)}/s, SDK send+sync ${fmt(sdk)}/s, SDK/engine ${(sdk / raw).toFixed(2)}`,
  );
}

async function keyProofs(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const msg = randomBytes(100);
  const sig = sign(null, msg, privateKey);
  const ed = await rate(() => {
    if (!verify(null, msg, publicKey, sig)) throw new Error('bad signature');
  });
  const log = new FakeKeyLog();
  const key = randomBytes(32);
  for (let i = 0; i < LOG_SIZE - 1; i++) await log.appendOther(`other-${i}`);
  await log.append({ user: 'alice', device: 'dev_a', key });
  const dir = new KeyDirectory({
    http: new HttpClient({ baseUrl: 'https://herald.bench', fetch: log.fetch }),
    store: new MemoryStore(),
    verifierKey: log.verifierKey,
    checkpointMaxAgeMs: 0,
    keyCacheMs: 0,
  });
  const proofs = await rate(async () => {
    if ((await dir.deviceKey({ userId: 'alice', deviceId: 'dev_a' })).status !== 'active')
      throw new Error('refused');
  });
  console.log(
    `key proofs (log of ${fmt(LOG_SIZE)}): Ed25519 verify ${fmt(ed)}/s, deviceKey uncached ${fmt(proofs)}/s, Ed25519/proof ${(ed / proofs).toFixed(1)}`,
  );
}

if (values.only !== 'keys') await messages();
if (values.only !== 'messages') await keyProofs();
