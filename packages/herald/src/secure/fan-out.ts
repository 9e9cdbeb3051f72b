import type { DeviceWaker } from './device-waker.ts';
import type { Queued } from './inbox-store.ts';
import type { InboxSignal } from './inbox-signal.ts';

/** What fan-out logs: codes only. */
export interface FanoutLogger {
  warn(obj: object, msg: string): void;
}

/**
 * What happens once queued items have committed: open streams hear of them, and devices
 * without a stream get a wake-up push. Neither can undo the commit, so failures are logged:
 * streams re-read their inbox periodically and devices fetch when they next connect.
 */
export class Fanout {
  constructor(
    private readonly signal: InboxSignal,
    private readonly waker: Pick<DeviceWaker, 'wake'> | undefined,
    private readonly log: FanoutLogger,
  ) {}

  async delivered(queued: readonly Queued[]): Promise<void> {
    if (queued.length === 0) return;
    this.waker?.wake(queued);
    // A stream only needs each device's newest sequence number: one signal per device, however
    // many items (a revocation queues one per group), so a device fetches once, not per item.
    const newest = new Map<string, Queued>();
    for (const q of queued) if ((newest.get(q.deviceId)?.seq ?? -1) < q.seq) newest.set(q.deviceId, q);
    await this.signal
      .announce([...newest.values()])
      .catch((err: unknown) =>
        this.log.warn({ code: (err as { code?: string }).code }, 'announcing inbox items failed'),
      );
  }
}
