// Waiting for messages the way a device app does: sync until enough have arrived.
import type { DeviceClient, ReceivedMessage } from '../../src/index.ts';

/** Syncs `d` until it has received `n` messages or `timeoutMs` is up; returns what arrived. */
export async function receive(d: DeviceClient, n: number, timeoutMs = 10_000): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  const end = Date.now() + timeoutMs;
  do {
    got.push(...(await d.sync()));
    if (got.length < n) await new Promise((r) => setTimeout(r, 50));
  } while (got.length < n && Date.now() < end);
  return got;
}
