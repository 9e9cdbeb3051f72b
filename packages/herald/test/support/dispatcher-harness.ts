import type { Channel, ChannelAdapter } from '../../src/channels/channel-adapter.ts';
import type { SecretBox } from '../../src/crypto/secret-box.ts';
import { Dispatcher, type DispatcherOptions } from '../../src/delivery/dispatcher.ts';
import type { Journal } from '../../src/journal/journal.ts';
import type { Store } from '../../src/storage/store.ts';
import { WebhookSender } from '../../src/webhooks/webhook-sender.ts';

const quiet = { info() {}, warn() {}, error() {} };

/** A dispatcher with fast timings for tests; without `journal`, like a worker that has no archive key. */
export function testDispatcher(
  store: Store,
  box: SecretBox,
  adapters: ReadonlyMap<Channel, ChannelAdapter> = new Map(),
  over: Partial<DispatcherOptions> = {},
  journal?: Journal,
): Dispatcher {
  return new Dispatcher(
    store,
    adapters,
    box,
    new WebhookSender(store.webhooks, box, 2000),
    {
      owner: `test-${process.pid}`,
      concurrency: 16,
      leaseMs: 10_000,
      idlePollMs: 20,
      sendTimeoutMs: 5000,
      maxAttempts: 3,
      backoff: { baseMs: 20, maxMs: 100 },
      webhookMaxAttempts: 4,
      webhookBackoff: { baseMs: 20, maxMs: 100 },
      prices: { sms: 7500 },
      rateCaps: {},
      ...over,
    },
    quiet,
    journal,
  );
}

/** Polls `check` until it returns a value or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
