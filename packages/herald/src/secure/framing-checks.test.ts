import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { nodeCryptoProvider } from '../e2ee/mls/crypto/node-crypto-provider.ts';
import type { MlsCommitOutput, MlsGroupState } from '../e2ee/mls/mls-engine.ts';
import { MlsTestWorld, rejectsWith, utf8 } from '../e2ee/mls/mls-test-kit.ts';
import { checkEpoch, mlsBytes, readGroupInfo, readGroupMessage, readWelcome } from './framing-checks.ts';
import { groupIdOf, type GroupId } from './group-id.ts';

const world = new MlsTestWorld(nodeCryptoProvider);
const engine = world.engine;
const throwsCode = (fn: () => unknown, code: string) => rejectsWith(async () => fn(), code);

describe('framing checks (real MLS messages)', () => {
  let groupId: GroupId;
  let state: MlsGroupState;
  let add: MlsCommitOutput;
  let application: Uint8Array;
  let groupInfo: Uint8Array;

  before(async () => {
    const alice = await world.enroll('alice', 'a1');
    const bob = await world.enroll('bob', 'b1');
    const id = randomBytes(32);
    groupId = groupIdOf(id);
    state = await engine.createGroup(await alice.keyPackage(), { groupId: id });
    add = await engine.addMembers(state, [(await bob.keyPackage()).keyPackage]);
    state = engine.mergePendingCommit(add.pending);
    application = (await engine.encrypt(state, utf8('hi'))).message;
    groupInfo = await engine.groupInfo(state);
  });

  it('reads a commit and an application message of the group, with their epochs', () => {
    assert.deepEqual(readGroupMessage(engine, add.commit, groupId, ['commit']), {
      contentType: 'commit',
      epoch: 0n,
    });
    assert.deepEqual(readGroupMessage(engine, application, groupId, ['application']).epoch, 1n);
  });

  it('refuses another group, another content type and another wire format', async () => {
    await throwsCode(
      () => readGroupMessage(engine, add.commit, groupIdOf(randomBytes(32)), ['commit']),
      'HERALD_ERR_E2EE_WRONG_GROUP',
    );
    await throwsCode(
      () => readGroupMessage(engine, application, groupId, ['commit', 'proposal']),
      'HERALD_ERR_SECURE_WRONG_CONTENT_TYPE',
    );
    await throwsCode(
      () => readGroupMessage(engine, add.welcome!, groupId, ['commit']),
      'HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT',
    );
    await throwsCode(() => readWelcome(engine, add.commit), 'HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT');
  });

  it("lists a Welcome's recipients and checks a GroupInfo's group and epoch", async () => {
    assert.equal(readWelcome(engine, add.welcome!).length, 1);
    readGroupInfo(engine, groupInfo, groupId, 1n);
    await throwsCode(
      () => readGroupInfo(engine, groupInfo, groupId, 2n),
      'HERALD_ERR_SECURE_INVALID_HANDSHAKE',
    );
    await throwsCode(
      () => readGroupInfo(engine, groupInfo, groupIdOf(randomBytes(16)), 1n),
      'HERALD_ERR_E2EE_WRONG_GROUP',
    );
  });

  it('decodes only canonical base64 within the size limit', async () => {
    assert.deepEqual(mlsBytes('AAEC', 'message', 3), new Uint8Array([0, 1, 2]));
    await throwsCode(() => mlsBytes('AAEC', 'message', 2), 'HERALD_ERR_SECURE_MESSAGE_TOO_LARGE');
    for (const bad of ['AAE', 'AAE=C', 'AAF=', ' AAEC'])
      await throwsCode(() => mlsBytes(bad, 'message', 10), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
  });

  it('accepts only the current epoch', async () => {
    checkEpoch(4n, 4);
    await throwsCode(() => checkEpoch(3n, 4), 'HERALD_ERR_SECURE_STALE_EPOCH');
    await throwsCode(() => checkEpoch(5n, 4), 'HERALD_ERR_SECURE_STALE_EPOCH');
  });
});
