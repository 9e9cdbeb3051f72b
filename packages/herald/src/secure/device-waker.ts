import type { ChannelAdapter } from '../channels/channel-adapter.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { isHeraldError } from '../errors/index.ts';
import { newAttemptId, newId, type MessageId } from '../ids.ts';
import type { InboxStore, Queued } from './inbox-store.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';

/** What the waker logs: device ids and codes, never tokens. */
export interface WakerLogger {
  warn(obj: object, msg: string): void;
}

/** The associated data a device's sealed push token is bound to. */
export const pushTokenAad = (deviceId: string): string => `secure_inboxes/push/${deviceId}`;

/**
 * Wakes devices that have no open stream with a content-free push through the push channel
 * adapter: the payload carries only an opaque, random reference (never a message id, group or
 * content), so the app knows to connect and fetch. At most one push per device per interval,
 * across processes (`InboxStore.claimWakes`). Pushes run after the commit and never hold up the
 * request that queued the items.
 */
export class DeviceWaker {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly inboxes: InboxStore;
      readonly box: SecretBox;
      readonly push: Pick<ChannelAdapter, 'send'>;
      readonly hasStream: (deviceId: string) => boolean;
      readonly intervalMs: number;
      readonly timeoutMs?: number;
      readonly log: WakerLogger;
      readonly now?: () => number;
    },
  ) {}

  /** Wakes the devices among `queued` that need it, in the background. */
  wake(queued: readonly Queued[]): void {
    const devices = [...new Set(queued.map((q) => q.deviceId))].filter((d) => !this.deps.hasStream(d));
    if (devices.length === 0) return;
    const p = this.#wake(devices).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Waits for the pushes in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async #wake(devices: string[]): Promise<void> {
    const { db, inboxes, box, push, log } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    let targets;
    try {
      targets = await inboxes.claimWakes(db, devices, now, this.deps.intervalMs);
    } catch (err) {
      log.warn({ code: codeOf(err) }, 'claiming wake-up pushes failed');
      return;
    }
    await Promise.all(
      targets.map(async (t) => {
        try {
          const token = box.open(t.tokenSealed, pushTokenAad(t.deviceId));
          await push.send(
            {
              // Opaque and fresh: the push reveals nothing but "something is waiting".
              messageId: newId<MessageId>('wake'),
              attemptId: newAttemptId(),
              tenantId: t.tenantId,
              to: `${t.platform}:${token}`,
              body: '',
              contentKind: 'notice',
            },
            { signal: AbortSignal.timeout(this.deps.timeoutMs ?? 10_000) },
          );
        } catch (err) {
          log.warn({ device: t.deviceId, code: codeOf(err) }, 'wake-up push failed');
          // The provider no longer knows the token: stop pushing to it.
          if (isHeraldError(err) && err.code === 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED')
            await inboxes.setPushToken(db, t.tenantId, t.deviceId, null).catch(() => {});
        }
      }),
    );
  }
}

function codeOf(err: unknown): string {
  if (isHeraldError(err)) return err.code;
  return err instanceof Error ? err.name : typeof err;
}
