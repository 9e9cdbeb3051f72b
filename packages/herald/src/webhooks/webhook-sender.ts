import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { WebhookStore } from '../storage/webhook-store.ts';
import { signWebhook } from './signature.ts';

/**
 * The outcome of one delivery try: the endpoint answered (any status: 2xx is success), did not
 * answer in time (`statusCode` null), or the delivery or its endpoint no longer exists.
 */
export type WebhookOutcome =
  | { readonly kind: 'answered'; readonly ok: boolean; readonly statusCode: number | null }
  | { readonly kind: 'gone' };

/** An endpoint as the sender needs it: where to post, and the opened signing secret. */
interface Target {
  readonly url: URL;
  readonly secret: string;
}

// Endpoints whose secret stays opened in memory; a gateway serves few, and eviction only costs
// one more read and AES-GCM open.
const MAX_CACHED_ENDPOINTS = 1024;

/**
 * Sends one queued delivery to its endpoint with Standard Webhooks headers. Recording the try
 * and scheduling a retry are the caller's (the dispatcher does both in one commit).
 *
 * Deliveries go out over keep-alive connections through `node:http(s)`: `fetch` costs several
 * times more CPU per request (web streams, abort signals), and a gateway sends a webhook for
 * every state of every message. Redirects are not followed.
 */
export class WebhookSender {
  // An endpoint's URL and secret never change once created (there is no update, only disable,
  // and deliveries already queued for a disabled endpoint are still sent), so they can be kept.
  readonly #targets = new Map<string, Target>();
  readonly #agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly box: SecretBox,
    private readonly timeoutMs = 10_000,
  ) {}

  async deliver(deliveryId: string): Promise<WebhookOutcome> {
    const d = await this.webhooks.getDelivery(deliveryId);
    if (!d) return { kind: 'gone' };
    const target = await this.#target(d.endpoint_id);
    if (!target) return { kind: 'gone' };
    const ts = Math.floor(Date.now() / 1000);
    const statusCode = await this.#post(target.url, d.payload, {
      'content-type': 'application/json',
      'user-agent': 'Herald-Webhooks/0.1',
      'webhook-id': d.id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(target.secret, d.id, ts, d.payload),
    });
    return { kind: 'answered', ok: statusCode !== null && statusCode >= 200 && statusCode < 300, statusCode };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }

  async #target(endpointId: string): Promise<Target | undefined> {
    const cached = this.#targets.get(endpointId);
    if (cached) return cached;
    const endpoint = await this.webhooks.getEndpoint(endpointId);
    if (!endpoint) return undefined;
    let url: URL;
    try {
      url = new URL(endpoint.url);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const target = { url, secret: this.box.open(endpoint.secretSealed, endpoint.id) };
    if (this.#targets.size >= MAX_CACHED_ENDPOINTS) this.#targets.delete(this.#targets.keys().next().value!);
    this.#targets.set(endpointId, target);
    return target;
  }

  /** POSTs the body; resolves with the status code, or null for no answer in time. */
  #post(url: URL, body: string, headers: Record<string, string>): Promise<number | null> {
    return new Promise((resolve) => {
      const https = url.protocol === 'https:';
      const done = (status: number | null): void => {
        clearTimeout(timer);
        resolve(status);
      };
      const onResponse = (res: IncomingMessage): void => {
        // The body is not needed, but must be read for the connection to be reused.
        res.resume();
        res.once('end', () => done(res.statusCode ?? null));
        res.once('error', () => done(null));
      };
      const options = {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: this.#agents[https ? 'https:' : 'http:'],
      };
      const req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      // One deadline for connect, send and answer (a socket timeout would only bound idle gaps).
      const timer = setTimeout(() => req.destroy(), this.timeoutMs);
      // Connection refused, reset, or destroyed by the deadline.
      req.once('error', () => done(null));
      req.end(body);
    });
  }
}
