import type { MlsCommitOutput, MlsGroupState } from '@herald/server/mls';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import type { CallOptions } from '../http/http-client.ts';
import { sleep } from '../util/serial.ts';
import { isStaleEpoch, type DeviceContext } from './device-context.ts';
import { rosterBetween } from './roster.ts';

/**
 * Commits, the server-ordered way (docs/secure-channel.md): a commit is built from the confirmed
 * state, sent with the roster and a GroupInfo for the new epoch, and adopted only when the server
 * echoes it; a 409 means another commit won the epoch, so the device catches up and tries again.
 * Also re-joins by external commit when a winning commit cannot be applied.
 */
export class GroupCommits {
  readonly #c: DeviceContext;

  constructor(context: DeviceContext) {
    this.#c = context;
  }

  /** Runs one commit to completion (see the class comment). */
  async commit(
    groupId: string,
    build: (state: MlsGroupState) => Promise<MlsCommitOutput>,
    options: CallOptions,
  ): Promise<void> {
    const { api, engine, groups, serial } = this.#c;
    const attempts = this.#c.options.maxCommitAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const sent = await serial.run(async () => {
        const before = await groups.require(groupId);
        const members = engine.members(before);
        const out = await build(before);
        // Building consumed secrets of `before`; the store still holds it for a lost race.
        groups.evict(groupId);
        const next = engine.mergePendingCommit(out.pending);
        const groupInfo = await engine.groupInfo(next, options);
        try {
          await api.handshake(
            groupId,
            {
              message: out.commit,
              welcome: out.welcome,
              groupInfo,
              roster: rosterBetween(members, engine.members(next)),
            },
            options,
          );
        } catch (err) {
          if (isStaleEpoch(err) && attempt < attempts) return false;
          if (isStaleEpoch(err))
            throw new HeraldSdkError('HERALD_SDK_EPOCH_CONFLICT', { groupId, attempts }, { cause: err });
          throw err;
        }
        groups.setPending(groupId, { commit: out.commit, next });
        return true;
      });
      await this.#c.sync(options);
      if (sent) {
        await this.#awaitEcho(groupId, options);
        return;
      }
    }
  }

  /** Commits the proposals waiting in a group, or refreshes this device's keys when there are none. */
  async commitPending(groupId: string, options: CallOptions): Promise<void> {
    await this.commit(groupId, (state) => this.#c.engine.commitPending(state, options), options);
    await this.#c.groups.setMeta(groupId, { pendingProposals: false });
  }

  /** Syncs until the server has echoed this device's pending commit for `groupId`. */
  async #awaitEcho(groupId: string, options: CallOptions): Promise<void> {
    const deadline = Date.now() + (this.#c.options.echoTimeoutMs ?? 10_000);
    while (this.#c.groups.pending(groupId) !== undefined) {
      if (Date.now() > deadline)
        throw new HeraldSdkError('HERALD_SDK_NETWORK', { detail: 'the server did not echo the commit' });
      await sleep(50, options.signal);
      await this.#c.sync(options);
    }
  }

  /**
   * Re-joins a group by external commit from the latest GroupInfo (RFC 9420 §12.4.3.2),
   * replacing this device's old leaf. Returns false when the server refuses it; when it returns
   * true the echo is already queued, so the caller should fetch the inbox again.
   */
  async rejoin(groupId: string, old: MlsGroupState, options: CallOptions): Promise<boolean> {
    const { api, engine, groups } = this.#c;
    const me = this.#c.me();
    try {
      const groupInfo = await api.groupInfo(groupId, options);
      const joined = await engine.joinByExternalCommit(
        groupInfo,
        { identity: { userId: me.userId, deviceId: me.deviceId }, signer: me.signer },
        { ...options, resync: { oldLeafIndex: old.ownLeafIndex } },
      );
      const nextInfo = await engine.groupInfo(joined.state, options);
      await api.handshake(
        groupId,
        {
          message: joined.commit,
          groupInfo: nextInfo,
          roster: {
            added: [{ userId: me.userId, deviceId: me.deviceId, leafIndex: joined.state.ownLeafIndex }],
            removed: [old.ownLeafIndex],
          },
        },
        options,
      );
      groups.setPending(groupId, { commit: joined.commit, next: joined.state });
      return true;
    } catch {
      return false;
    }
  }
}
