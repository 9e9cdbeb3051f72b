import type { SecretBox } from '../crypto/secret-box.ts';
import type { WebhookStore } from '../storage/webhook-store.ts';
import { signWebhook } from './signature.ts';

/** The outcome of one delivery try: done, try again later, or give up. */
export type WebhookOutcome = 'delivered' | 'retry' | 'gone';

/**
 * Sends one queued delivery to its endpoint with Standard Webhooks headers. Any 2xx is
 * success; anything else (or no answer within the timeout) is retried by the caller.
 */
export class WebhookSender {
  constructor(
    private readonly webhooks: WebhookStore,
    private readonly box: SecretBox,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(deliveryId: string, opts: { final: boolean }): Promise<WebhookOutcome> {
    const d = await this.webhooks.getDelivery(deliveryId);
    if (!d) return 'gone';
    const endpoint = await this.webhooks.getEndpoint(d.endpoint_id);
    if (!endpoint) return 'gone';
    const secret = this.box.open(endpoint.secretSealed, endpoint.id);
    const ts = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Herald-Webhooks/0.1',
          'webhook-id': d.id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook(secret, d.id, ts, d.payload),
        },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel();
    } catch {
      status = null; // connection refused, reset or timed out
    }
    const ok = status !== null && status >= 200 && status < 300;
    await this.webhooks.recordDeliveryResult(d.id, {
      status: ok ? 'delivered' : opts.final ? 'failed' : 'pending',
      statusCode: status,
    });
    return ok ? 'delivered' : 'retry';
  }
}
