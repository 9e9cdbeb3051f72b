import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import type { MlsEngine, MlsGroupState, MlsProcessed } from './mls-engine.ts';
import { MLS_PROVIDERS, MlsTestWorld, rejectsWith, text, utf8, type TestDevice } from './mls-test-kit.ts';

function expectKind<K extends MlsProcessed['kind']>(
  r: MlsProcessed,
  kind: K,
): Extract<MlsProcessed, { kind: K }> {
  assert.equal(r.kind, kind);
  return r as Extract<MlsProcessed, { kind: K }>;
}

interface TwoMembers {
  world: MlsTestWorld;
  engine: MlsEngine;
  alice: TestDevice;
  bob: TestDevice;
  a: MlsGroupState;
  b: MlsGroupState;
}

async function twoMembers(world: MlsTestWorld): Promise<TwoMembers> {
  const engine = world.engine;
  const alice = await world.enroll('usr_alice', 'dev_a1');
  const bob = await world.enroll('usr_bob', 'dev_b1');
  let a = await engine.createGroup(await alice.keyPackage());
  const bobKp = await bob.keyPackage();
  const out = await engine.addMembers(a, [bobKp.keyPackage]);
  a = engine.mergePendingCommit(out.pending);
  assert.ok(out.welcome);
  const b = await engine.joinFromWelcome(out.welcome, bobKp);
  return { world, engine, alice, bob, a, b };
}

// One contract suite, run against the engine on every crypto provider (STYLE: a contract suite
// per port, every implementation).
for (const { name, provider } of MLS_PROVIDERS) {
  void describe(`TsMlsEngine on the ${name} provider`, () => {
    void it('validates its own KeyPackage and reports the identity, ref and lifetime', async () => {
      const world = new MlsTestWorld(provider);
      const dev = await world.enroll('usr_1', 'dev_1');
      const bundle = await dev.keyPackage({ lastResort: true });
      const v = await world.engine.validateKeyPackage(bundle.keyPackage);
      assert.deepEqual(v.identity, dev.identity);
      assert.deepEqual(v.ref, bundle.ref);
      assert.equal(v.cipherSuite, 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
      assert.equal(v.lastResort, true);
      assert.ok(v.notAfter.getTime() > Date.now());
      assert.equal(world.engine.inspectMessage(bundle.keyPackage).wireFormat, 'mls_key_package');
    });

    void it('creates a group, adds a member by Welcome and exchanges messages both ways', async () => {
      const { engine, alice, bob, a, b } = await twoMembers(new MlsTestWorld(provider));
      assert.equal(a.epoch, 1n);
      assert.equal(b.epoch, 1n);
      assert.deepEqual(engine.epochAuthenticator(a), engine.epochAuthenticator(b));
      assert.deepEqual(
        engine.members(b).map((m) => m.identity),
        [alice.identity, bob.identity],
      );

      const sent = await engine.encrypt(a, utf8('hello bob'), { authenticatedData: utf8('ad') });
      const got = expectKind(await engine.processMessage(b, sent.message), 'application');
      assert.equal(text(got.plaintext), 'hello bob');
      assert.equal(text(got.authenticatedData), 'ad');
      assert.deepEqual(got.sender.identity, alice.identity);

      const reply = await engine.encrypt(got.state, utf8('hi alice'));
      const back = expectKind(await engine.processMessage(sent.state, reply.message), 'application');
      assert.equal(text(back.plaintext), 'hi alice');
      assert.deepEqual(back.sender.identity, bob.identity);
    });

    void it('shows the server group, epoch and content type of a PrivateMessage, and Welcome recipients', async () => {
      const world = new MlsTestWorld(provider);
      const { engine, a, b } = await twoMembers(world);
      const sent = await engine.encrypt(a, utf8('secret'));
      const f = engine.inspectMessage(sent.message);
      assert.equal(f.wireFormat, 'mls_private_message');
      assert.deepEqual(f.groupId, a.groupId);
      assert.equal(f.epoch, 1n);
      assert.equal(f.contentType, 'application');
      assert.equal(f.sender, undefined);

      const carol = await world.enroll('usr_carol', 'dev_c1');
      const carolKp = await carol.keyPackage();
      const out = await engine.addMembers(b, [carolKp.keyPackage]);
      const cf = engine.inspectMessage(out.commit);
      assert.equal(cf.contentType, 'commit');
      assert.equal(cf.epoch, 1n);
      assert.ok(out.welcome);
      assert.deepEqual(engine.inspectMessage(out.welcome).recipients, [carolKp.ref]);
    });

    void it('refuses a replayed application message and one for another group', async () => {
      const world = new MlsTestWorld(provider);
      const { engine, a, b } = await twoMembers(world);
      const sent = await engine.encrypt(a, utf8('once'));
      const first = await engine.processMessage(b, sent.message);
      await rejectsWith(engine.processMessage(first.state, sent.message), 'HERALD_ERR_E2EE_REPLAYED_MESSAGE');

      const other = await twoMembers(world);
      await rejectsWith(engine.processMessage(other.b, sent.message), 'HERALD_ERR_E2EE_WRONG_GROUP');
    });

    void it('orders commits by epoch: a stale or future commit is refused, and its own commit too', async () => {
      const world = new MlsTestWorld(provider);
      const { engine, a, b } = await twoMembers(world);
      const carol = await world.enroll('usr_carol', 'dev_c1');
      const c1 = await engine.addMembers(a, [(await carol.keyPackage()).keyPackage]);
      // Two members commit in the same epoch: the server keeps the first; the second is stale.
      const c2 = await engine.commitPending(b);
      const b2 = expectKind(await engine.processMessage(b, c1.commit), 'commit');
      assert.equal(b2.epoch, 2n);
      await rejectsWith(engine.processMessage(b2.state, c2.commit), 'HERALD_ERR_E2EE_STALE_EPOCH');
      await rejectsWith(engine.processMessage(a, c1.commit), 'HERALD_ERR_E2EE_OWN_COMMIT');

      const a2 = engine.mergePendingCommit(c1.pending);
      const c3 = await engine.commitPending(a2);
      const a3 = engine.mergePendingCommit(c3.pending);
      const msg = await engine.encrypt(a3, utf8('epoch 3'));
      await rejectsWith(engine.processMessage(b, msg.message), 'HERALD_ERR_E2EE_FUTURE_EPOCH');
      const b3 = expectKind(await engine.processMessage(b2.state, c3.commit), 'commit');
      assert.equal(
        text(expectKind(await engine.processMessage(b3.state, msg.message), 'application').plaintext),
        'epoch 3',
      );
    });

    void it('decrypts a late application message of the previous epoch', async () => {
      const { engine, a, b } = await twoMembers(new MlsTestWorld(provider));
      const late = await engine.encrypt(a, utf8('sent before the commit'));
      const c = await engine.commitPending(late.state);
      const b2 = expectKind(await engine.processMessage(b, c.commit), 'commit');
      const got = expectKind(await engine.processMessage(b2.state, late.message), 'application');
      assert.equal(got.epoch, 1n);
      assert.equal(text(got.plaintext), 'sent before the commit');
    });

    void it('keeps working after the state is exported and imported', async () => {
      const { engine, a, b } = await twoMembers(new MlsTestWorld(provider));
      const restored = engine.importGroupState(engine.exportGroupState(b));
      const sent = await engine.encrypt(a, utf8('after restore'));
      assert.equal(
        text(expectKind(await engine.processMessage(restored, sent.message), 'application').plaintext),
        'after restore',
      );
      await rejectsWith(
        async () => engine.importGroupState(utf8('garbage')),
        'HERALD_ERR_E2EE_INVALID_STATE',
      );
    });

    void it('removes a member: the member learns it, cannot send, and is refused afterwards', async () => {
      const world = new MlsTestWorld(provider);
      const { engine, a, b } = await twoMembers(world);
      const out = await engine.removeMembers(a, [1]);
      const a2 = engine.mergePendingCommit(out.pending);
      const removed = expectKind(await engine.processMessage(b, out.commit), 'commit');
      assert.equal(removed.removedSelf, true);
      assert.equal(removed.state.active, false);
      await rejectsWith(engine.encrypt(removed.state, utf8('x')), 'HERALD_ERR_E2EE_NOT_A_MEMBER');
      const next = await engine.encrypt(a2, utf8('after removal'));
      await rejectsWith(engine.processMessage(removed.state, next.message), 'HERALD_ERR_E2EE_NOT_A_MEMBER');
      assert.deepEqual(
        engine.members(a2).map((m) => m.leafIndex),
        [0],
      );
      await rejectsWith(engine.removeMembers(a2, [5]), 'HERALD_ERR_E2EE_MEMBER_NOT_FOUND');
    });

    void it('refuses a Welcome member whose device key is not in the directory', async () => {
      const world = new MlsTestWorld(provider);
      const { engine, a } = await twoMembers(world);
      const carol = await world.enroll('usr_carol', 'dev_c1');
      const carolKp = await carol.keyPackage();
      const out = await engine.addMembers(a, [carolKp.keyPackage]);
      assert.ok(out.welcome);
      world.directory.revoke({ userId: 'usr_bob', deviceId: 'dev_b1' });
      await rejectsWith(engine.joinFromWelcome(out.welcome, carolKp), 'HERALD_ERR_E2EE_CREDENTIAL_REJECTED');
    });

    void it('refuses a Welcome meant for another KeyPackage', async () => {
      const world = new MlsTestWorld(provider);
      const { engine, a } = await twoMembers(world);
      const carol = await world.enroll('usr_carol', 'dev_c1');
      const out = await engine.addMembers(a, [(await carol.keyPackage()).keyPackage]);
      assert.ok(out.welcome);
      await rejectsWith(
        engine.joinFromWelcome(out.welcome, await carol.keyPackage()),
        'HERALD_ERR_E2EE_WELCOME_NOT_FOR_US',
      );
    });
  });
}

void describe('KeyPackage validation (the Delivery Service check before storing)', () => {
  const world = new MlsTestWorld(nodeCryptoProvider);
  const engine = world.engine;

  void it('refuses a KeyPackage with a bad signature', async () => {
    const dev = await world.enroll('usr_s', 'dev_s');
    const kp = (await dev.keyPackage()).keyPackage.slice();
    kp[kp.length - 5]! ^= 0x01; // inside the KeyPackage signature
    await rejectsWith(engine.validateKeyPackage(kp), 'HERALD_ERR_E2EE_KEY_PACKAGE_INVALID');
  });

  void it('refuses an unknown device and a key the directory does not hold', async () => {
    const dev = await world.enroll('usr_u', 'dev_u');
    const bundle = await dev.keyPackage();
    const other = await engine.generateSignatureKeyPair();
    world.directory.publish(dev.identity, other.publicKey);
    await rejectsWith(engine.validateKeyPackage(bundle.keyPackage), 'HERALD_ERR_E2EE_CREDENTIAL_REJECTED');
    world.directory.revoke(dev.identity);
    await assert.rejects(engine.validateKeyPackage(bundle.keyPackage), /refused: unknown_device/);
  });

  void it('refuses a KeyPackage of a cipher suite the server does not accept', async () => {
    const p256 = world.engineWith(nodeCryptoProvider, {
      cipherSuite: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
    });
    const dev = await world.enroll('usr_p', 'dev_p', p256);
    const bundle = await dev.keyPackage();
    assert.equal(
      (await p256.validateKeyPackage(bundle.keyPackage)).cipherSuite,
      'MLS_128_DHKEMP256_AES128GCM_SHA256_P256',
    );
    await rejectsWith(
      engine.validateKeyPackage(bundle.keyPackage),
      'HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE',
    );
  });

  void it('refuses a KeyPackage outside its lifetime', async () => {
    const dev = await world.enroll('usr_l', 'dev_l');
    const bundle = await dev.keyPackage();
    const later = new Date(Date.now() + 31 * 86_400_000);
    await rejectsWith(
      engine.validateKeyPackage(bundle.keyPackage, { now: later }),
      'HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME',
    );
    await rejectsWith(
      dev
        .keyPackage()
        .then(() => engine.generateKeyPackage(dev.identity, dev.signer, { lifetimeSeconds: 365 * 86_400 })),
      'HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME',
    );
  });

  void it('refuses truncated input, trailing bytes and other wire formats with stable codes', async () => {
    const dev = await world.enroll('usr_t', 'dev_t');
    const bundle = await dev.keyPackage();
    for (const cut of [0, 1, 4, 7, 20, bundle.keyPackage.length - 1])
      await rejectsWith(
        engine.validateKeyPackage(bundle.keyPackage.subarray(0, cut)),
        'HERALD_ERR_E2EE_MALFORMED_MESSAGE',
      );
    const trailing = new Uint8Array([...bundle.keyPackage, 0]);
    await rejectsWith(engine.validateKeyPackage(trailing), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
    const { a } = await twoMembers(world);
    const msg = await engine.encrypt(a, utf8('not a key package'));
    await rejectsWith(engine.validateKeyPackage(msg.message), 'HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT');
  });
});
