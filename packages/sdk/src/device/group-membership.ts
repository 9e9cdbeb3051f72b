import { HeraldSdkError } from '../errors/sdk-errors.ts';
import type { CallOptions } from '../http/http-client.ts';
import { fromUtf8, toBase64, toHex, utf8 } from '../util/base64.ts';
import type { DeviceContext } from './device-context.ts';
import type { GroupCommits } from './group-commits.ts';
import type { ClaimedKeyPackage } from './secure-api.ts';

const MAX_USERS = 50;

/**
 * Making groups and adding people to them. Every device key is proven by the key directory
 * before its KeyPackage goes into a commit: the server picks the KeyPackages, not the keys.
 */
export class GroupMembership {
  readonly #c: DeviceContext;
  readonly #commits: GroupCommits;

  constructor(context: DeviceContext, commits: GroupCommits) {
    this.#c = context;
    this.#commits = commits;
  }

  /** See `DeviceClient.createGroup`. */
  async createGroup(userIds: readonly string[], options: CallOptions): Promise<string> {
    const { api, engine, groups, serial } = this.#c;
    const me = this.#c.me();
    checkUserIds(userIds, true);
    const ds = await this.#c.deliveryService(options);
    const groupId = await serial.run(async () => {
      const own = await engine.generateKeyPackage(me, me.signer, options);
      const idBytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
      const state = await engine.createGroup(own, {
        ...options,
        groupId: idBytes,
        externalSenders: [
          { identity: { userId: ds.userId, deviceId: ds.deviceId }, signaturePublicKey: ds.signatureKey },
        ],
      });
      const id = toBase64(idBytes);
      await api.createGroup(id, options);
      await groups.put(id, state);
      return id;
    });
    if (userIds.length > 0) await this.addMembers(groupId, userIds, options);
    return groupId;
  }

  /** See `DeviceClient.addMembers`. */
  async addMembers(groupId: string, userIds: readonly string[], options: CallOptions): Promise<number> {
    const me = this.#c.me();
    checkUserIds(userIds, false);
    const claimed = (await this.#c.api.claim(userIds, options)).filter(
      (d) => !(d.userId === me.userId && d.deviceId === me.deviceId),
    );
    for (const userId of userIds)
      if (userId !== me.userId && !claimed.some((d) => d.userId === userId))
        throw new HeraldSdkError('HERALD_SDK_NO_DEVICES', { userId });
    const keyPackages: Uint8Array[] = [];
    for (const c of claimed) keyPackages.push(await this.#checkClaimed(c, options));
    if (keyPackages.length === 0) return 0;
    await this.#commits.commit(
      groupId,
      (state) => this.#c.engine.addMembers(state, keyPackages, options),
      options,
    );
    return keyPackages.length;
  }

  /** See `DeviceClient.groupFor`. */
  async groupFor(userId: string, options: CallOptions): Promise<string> {
    checkUserIds([userId], false);
    const { groups, options: o } = this.#c;
    const digest = await globalThis.crypto.subtle.digest('SHA-256', utf8(userId));
    const key = `dm/${toHex(new Uint8Array(digest))}`;
    const known = await o.store.get(key, options);
    if (known !== undefined) {
      const groupId = fromUtf8(known);
      await this.#c.sync(options);
      const state = await groups.get(groupId);
      if (state?.active === true && !(await groups.meta(groupId)).inactive) return groupId;
    }
    const groupId = await this.createGroup([userId], options);
    await o.store.set(key, utf8(groupId), options);
    return groupId;
  }

  /** Proves a claimed KeyPackage's key against the directory; returns the KeyPackage. */
  async #checkClaimed(c: ClaimedKeyPackage, options: CallOptions): Promise<Uint8Array> {
    const { directory, engine } = this.#c;
    const who = { userId: c.userId, deviceId: c.deviceId };
    // The directory first: its refusals carry the precise reason.
    const proven = await directory.deviceKey(who, options);
    if (proven.status === 'revoked') throw new HeraldSdkError('HERALD_SDK_KEY_REVOKED', who);
    let validated;
    try {
      validated = await engine.validateKeyPackage(c.keyPackage, options);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'HERALD_ERR_E2EE_CREDENTIAL_REJECTED')
        throw new HeraldSdkError(
          'HERALD_SDK_KEY_NOT_IN_DIRECTORY',
          { ...who, detail: 'the KeyPackage is signed with another key' },
          { cause: err },
        );
      throw err;
    }
    if (validated.identity.userId !== c.userId || validated.identity.deviceId !== c.deviceId)
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
        ...who,
        detail: 'the KeyPackage names another device',
      });
    await directory.requireKey(who, validated.signaturePublicKey, options);
    return c.keyPackage;
  }
}

function checkUserIds(userIds: readonly string[], allowEmpty: boolean): void {
  if (!Array.isArray(userIds) || (!allowEmpty && userIds.length === 0) || userIds.length > MAX_USERS)
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', {
      detail: `userIds must list 1 to ${MAX_USERS} users`,
    });
  for (const u of userIds)
    if (typeof u !== 'string' || !/^[^\s:\p{Cc}]{1,255}$/u.test(u))
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'a user id is not a valid id' });
}
