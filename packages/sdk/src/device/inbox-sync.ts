import { HeraldSdkError } from '../errors/sdk-errors.ts';
import type { CallOptions } from '../http/http-client.ts';
import { bytesEqual, fromUtf8, toBase64, utf8 } from '../util/base64.ts';
import type { DeviceContext } from './device-context.ts';
import type { ProcessingFailure, ReceivedMessage } from './device-options.ts';
import type { GroupCommits } from './group-commits.ts';
import { openEnvelope, type OwnMessages } from './message-envelope.ts';
import { QueuedProposals } from './queued-proposals.ts';
import type { InboxItem } from './secure-api.ts';

const INBOX_CURSOR = 'inbox/cursor';
const INBOX_PAGE = 100;

type MessageListener = (message: ReceivedMessage) => void;
type FailureListener = (failure: ProcessingFailure) => void;

/**
 * The inbox, processed in the server's order: Welcomes (joins), commits (including this
 * device's own echo), proposals and application messages. A failed item is reported to the
 * failure listeners and the pass goes on; the cursor moves only after states are saved.
 */
export class InboxSync {
  readonly #c: DeviceContext;
  readonly #commits: GroupCommits;
  readonly #own: OwnMessages;
  readonly #onMessage = new Set<MessageListener>();
  readonly #onFailure = new Set<FailureListener>();
  readonly #proposals: QueuedProposals;
  #syncing: Promise<ReceivedMessage[]> | undefined;
  #syncAgain = false;

  constructor(context: DeviceContext, commits: GroupCommits, own: OwnMessages) {
    this.#c = context;
    this.#commits = commits;
    this.#own = own;
    this.#proposals = new QueuedProposals(context, {
      fetch: (options) => this.fetch(options),
      fail: (groupId, err) => this.fail(groupId, -1, 'proposal', err),
    });
  }

  onMessage(listener: MessageListener): () => void {
    this.#onMessage.add(listener);
    return () => this.#onMessage.delete(listener);
  }

  onFailure(listener: FailureListener): () => void {
    this.#onFailure.add(listener);
    return () => this.#onFailure.delete(listener);
  }

  /** Tells the failure listeners about an item (or a background sync) that failed. */
  fail(groupId: string, seq: number, kind: InboxItem['kind'], err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    for (const l of this.#onFailure) l({ groupId, seq, kind, error });
  }

  /** See `DeviceClient.sync`. Concurrent calls share one pass. */
  async sync(options: CallOptions): Promise<ReceivedMessage[]> {
    const messages = await this.fetch(options);
    await this.#afterSync(options);
    return messages;
  }

  /**
   * Fetches and processes the inbox until it is empty, without committing anything. Concurrent
   * calls share one pass; a call during a pass makes it fetch once more.
   */
  fetch(options: CallOptions): Promise<ReceivedMessage[]> {
    if (this.#syncing !== undefined) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    const run = async (): Promise<ReceivedMessage[]> => {
      const out: ReceivedMessage[] = [];
      do {
        this.#syncAgain = false;
        out.push(...(await this.#c.serial.run(() => this.#drain(options))));
      } while (this.#syncAgain);
      return out;
    };
    this.#syncing = run().finally(() => (this.#syncing = undefined));
    return this.#syncing;
  }

  /** Waits for a sync (and a commit of queued proposals) in progress, ignoring its outcome. */
  async settled(): Promise<void> {
    await this.#syncing?.catch(() => undefined);
    await this.#proposals.settled();
  }

  /** Commits proposals the server queued (revocations) and tops up KeyPackages. */
  async #afterSync(options: CallOptions): Promise<void> {
    const me = this.#c.me();
    await this.#proposals.commit(options);
    await this.#c.pool.topUp(me, me.signer, options);
  }

  async #drain(options: CallOptions): Promise<ReceivedMessage[]> {
    this.#c.me();
    const { api, options: o } = this.#c;
    const out: ReceivedMessage[] = [];
    let cursor = Number(fromUtf8((await o.store.get(INBOX_CURSOR, options)) ?? utf8('0')));
    for (;;) {
      const items = await api.inbox(cursor, INBOX_PAGE, options);
      // Proposals come from the Delivery Service as external sender: know (and prove) it first.
      if (items.length > 0) await this.#c.deliveryService(options);
      for (const item of items) {
        if (item.seq <= cursor) continue;
        try {
          const m = await this.#process(item, options);
          if (m !== undefined) out.push(m);
        } catch (err) {
          this.fail(item.groupId, item.seq, item.kind, err);
        }
        cursor = item.seq;
      }
      if (items.length > 0) {
        // States are saved before the cursor moves and before the server may delete the items.
        await o.store.set(INBOX_CURSOR, utf8(String(cursor)), options);
        await api.ack(cursor, options);
      }
      if (items.length < INBOX_PAGE) break;
    }
    for (const m of out) for (const l of this.#onMessage) l(m);
    return out;
  }

  async #process(item: InboxItem, options: CallOptions): Promise<ReceivedMessage | undefined> {
    const { engine, groups } = this.#c;
    switch (item.kind) {
      case 'welcome':
        await this.#join(item, options);
        return undefined;
      case 'commit':
        await this.#applyCommit(item, options);
        return undefined;
      case 'proposal': {
        const state = await groups.get(item.groupId);
        if (state === undefined) return undefined;
        const r = await engine.processMessage(state, item.message, options);
        await groups.put(item.groupId, r.state);
        await groups.setMeta(item.groupId, { pendingProposals: true });
        return undefined;
      }
      case 'application': {
        if (this.#own.take(item.message)) return undefined;
        const state = await groups.get(item.groupId);
        if (state === undefined)
          throw new HeraldSdkError('HERALD_SDK_UNKNOWN_GROUP', { groupId: item.groupId });
        const r = await engine.processMessage(state, item.message, options);
        await groups.put(item.groupId, r.state);
        if (r.kind !== 'application' || r.sender.identity === undefined)
          throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', {
            detail: 'an application item that is not one',
          });
        return {
          groupId: item.groupId,
          seq: item.seq,
          sender: r.sender.identity,
          text: openEnvelope(r.plaintext),
          sentAt: item.sentAt,
        };
      }
    }
  }

  /** Joins from a Welcome addressed to one of this device's KeyPackages (RFC 9420 §12.4.3.1). */
  async #join(item: InboxItem, options: CallOptions): Promise<void> {
    const { engine, groups, pool } = this.#c;
    const framing = engine.inspectMessage(item.message);
    for (const ref of framing.recipients ?? []) {
      const bundle = await pool.find(ref);
      if (bundle === undefined) continue;
      const state = await engine.joinFromWelcome(item.message, bundle, options);
      const groupId = toBase64(state.groupId);
      const known = await groups.get(groupId);
      if (known === undefined || known.epoch < state.epoch) {
        await groups.put(groupId, state);
        await groups.setMeta(groupId, { inactive: false, pendingProposals: false });
      }
      await pool.used(ref);
      return;
    }
    throw new HeraldSdkError('HERALD_SDK_UNKNOWN_GROUP', { groupId: item.groupId });
  }

  async #applyCommit(item: InboxItem, options: CallOptions): Promise<void> {
    const { engine, groups } = this.#c;
    const groupId = item.groupId;
    const pending = groups.pending(groupId);
    if (pending !== undefined && bytesEqual(pending.commit, item.message)) {
      // Our own commit, echoed: it won the epoch, and it covered every proposal received.
      groups.setPending(groupId, undefined);
      await groups.put(groupId, pending.next);
      await groups.setMeta(groupId, { pendingProposals: false, inactive: false });
      return;
    }
    const epoch = engine.inspectMessage(item.message).epoch;
    // Another commit for the epoch ours started from won: ours is void.
    if (pending !== undefined && epoch === pending.next.epoch - 1n) groups.setPending(groupId, undefined);
    const state = await groups.get(groupId);
    if (state === undefined || !state.active) return;
    // A commit for an epoch this device already left behind (e.g. the one a Welcome covered).
    if (epoch !== undefined && epoch < state.epoch) return;
    try {
      const r = await engine.processMessage(state, item.message, options);
      await groups.put(groupId, r.state);
      await groups.setMeta(groupId, {
        pendingProposals: false,
        inactive: r.kind === 'commit' && r.removedSelf,
      });
    } catch (err) {
      // The winning commit cannot be applied to this state: re-join from the latest GroupInfo.
      groups.evict(groupId);
      if (await this.#commits.rejoin(groupId, state, options)) {
        // The echo is already queued: fetch again in this sync.
        this.#syncAgain = true;
        return;
      }
      await groups.setMeta(groupId, { inactive: true });
      throw err;
    }
  }
}
