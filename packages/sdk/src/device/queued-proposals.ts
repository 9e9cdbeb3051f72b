import type { CallOptions } from '../http/http-client.ts';
import { sleep } from '../util/serial.ts';
import { isStaleEpoch, type DeviceContext } from './device-context.ts';
import { rosterBetween } from './roster.ts';
import type { Roster } from './secure-api.ts';

/** Handshakes of different groups in flight at once (the server orders each group on its own). */
const MAX_IN_FLIGHT = 8;

/** What a pass needs from the inbox: fetch and process it (without committing), and report. */
export interface ProposalInbox {
  fetch(options: CallOptions): Promise<unknown>;
  fail(groupId: string, err: unknown): void;
}

interface Built {
  readonly body: { message: Uint8Array; groupInfo: Uint8Array; roster: Roster };
}

/**
 * Commits the proposals the server queued (its Removes of a revoked device, RFC 9420 §12.1.8.1)
 * on the device's own initiative after each sync, in every group that has some, so a revoked
 * device leaves every group as soon as any member is online. A revocation queues one proposal
 * per group at once, so the groups are committed back to back: each commit is built and its
 * handshake sent while the previous ones are still in flight, and the echoes are collected by
 * fetches at the end, rather than one group's round trips after another's.
 *
 * Several members usually hold the same proposals. Only the first commit of an epoch counts, so
 * each device walks its groups in its own order (a hash of its id and the group's) and the
 * members share the work instead of racing on every group; when a handshake loses its epoch the
 * device fetches at once and skips the groups another member's commits already covered. A group
 * whose proposals were covered is never committed again: no empty commit comes out of a lost race.
 */
export class QueuedProposals {
  readonly #c: DeviceContext;
  readonly #inbox: ProposalInbox;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(context: DeviceContext, inbox: ProposalInbox) {
    this.#c = context;
    this.#inbox = inbox;
  }

  /**
   * Commits every group's queued proposals. Concurrent calls share one pass, and a call during a
   * pass (a sync that may have brought new proposals) makes it look once more before it ends.
   */
  commit(options: CallOptions): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = async () => {
      const rounds = this.#c.options.maxCommitAttempts ?? 5;
      for (let round = 1; round <= rounds; round++) {
        this.#again = false;
        const sent = await this.#round(options);
        // Done when nothing was attempted and nobody asked for another look; a round that lost
        // races leaves its groups' proposals pending (or covered) for the next one to judge.
        if (sent === 0 && !this.#again) return;
      }
    };
    this.#running = run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Waits for a pass in progress, ignoring its outcome. */
  async settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  /** One pass over the groups; returns how many commits it sent. */
  async #round(options: CallOptions): Promise<number> {
    const { api, groups } = this.#c;
    const order = this.#order(await groups.list());
    const inFlight = new Set<Promise<void>>();
    const accepted: string[] = [];
    let lost = false;
    let sent = 0;
    for (const groupId of order) {
      if (!(await this.#due(groupId))) continue;
      const built = await this.#build(groupId, options);
      if (built === undefined) continue;
      sent++;
      const p: Promise<void> = api
        .handshake(groupId, built.body, options)
        .then(
          () => void accepted.push(groupId),
          (err: unknown) => {
            // Refused: the commit is void (unless an echo was already taken, which cannot be).
            if (groups.pending(groupId)?.commit === built.body.message) groups.setPending(groupId, undefined);
            if (isStaleEpoch(err)) lost = true;
            else this.#inbox.fail(groupId, err);
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      if (lost) {
        // Another member is committing these groups too: take in what it did so far.
        lost = false;
        await this.#fetch(options);
      }
    }
    await Promise.all(inFlight);
    // A commit lost its epoch: take in the winner before the next round judges that group again.
    if (lost) await this.#fetch(options);
    await this.#awaitEchoes(accepted, options);
    return sent;
  }

  /** Whether a group has proposals waiting and nothing of this device's own in flight. */
  async #due(groupId: string): Promise<boolean> {
    const { groups } = this.#c;
    if (groups.pending(groupId) !== undefined) return false;
    const meta = await groups.meta(groupId);
    return meta.pendingProposals && !meta.inactive;
  }

  /**
   * Builds the commit of a group's proposals and marks it pending before it is sent, so an echo
   * fetched before the handshake's answer is recognised as this device's own.
   */
  #build(groupId: string, options: CallOptions): Promise<Built | undefined> {
    const { engine, groups, serial } = this.#c;
    return serial.run(async () => {
      // A fetch since the check may have applied another member's commit covering them.
      if (!(await this.#due(groupId))) return undefined;
      const before = await groups.require(groupId);
      if (!before.active) return undefined;
      const members = engine.members(before);
      const out = await engine.commitPending(before, options);
      // Building consumed secrets of `before`; the store still holds it for a lost race.
      groups.evict(groupId);
      const next = engine.mergePendingCommit(out.pending);
      const groupInfo = await engine.groupInfo(next, options);
      groups.setPending(groupId, { commit: out.commit, next });
      return {
        body: { message: out.commit, groupInfo, roster: rosterBetween(members, engine.members(next)) },
      };
    });
  }

  /** Fetches until the server has echoed every accepted commit (or the echo timeout is up). */
  async #awaitEchoes(accepted: readonly string[], options: CallOptions): Promise<void> {
    const deadline = Date.now() + (this.#c.options.echoTimeoutMs ?? 10_000);
    const waiting = () => accepted.filter((g) => this.#c.groups.pending(g) !== undefined);
    for (let first = true; waiting().length > 0; first = false) {
      if (Date.now() > deadline) {
        for (const g of waiting()) this.#inbox.fail(g, new Error('the server did not echo the commit'));
        return;
      }
      if (!first) await sleep(50, options.signal);
      await this.#fetch(options);
    }
  }

  async #fetch(options: CallOptions): Promise<void> {
    try {
      await this.#inbox.fetch(options);
    } catch (err) {
      this.#inbox.fail('', err);
    }
  }

  /** This device's order of the groups: its own, so members committing at once meet rarely. */
  #order(groupIds: readonly string[]): string[] {
    const me = this.#c.me().deviceId;
    const keyed = groupIds.map((g) => ({ g, k: fnv1a(`${me}\u0000${g}`) }));
    return keyed.sort((a, b) => a.k - b.k).map((x) => x.g);
  }
}

/** FNV-1a, 32 bits: a cheap, stable spread of strings (not a security function). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
