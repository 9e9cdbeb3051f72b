import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { DeliveryTracker } from './delivery-tracker.ts';

/** Herald's final statuses other than `delivered` (and `read`, which follows it). */
export const HERALD_FAILED = new Set(['undelivered', 'failed', 'expired', 'blocked']);

// Kannel's DLR types (the `%d` of a dlr-url): 1 delivered to the phone, 2 failed, 16 rejected by
// the SMSC; 4 (buffered) and 8 (SMSC accepted) are not final.
const KANNEL_DELIVERED = '1';
const KANNEL_FAILED = new Set(['2', '16']);

/**
 * One local HTTP server standing in for the customer's application: Herald's Standard Webhooks
 * at `POST /herald` (signatures verified, as a customer must) and Kannel's DLR callbacks at
 * `GET /kannel?id=…&type=%d`. Both feed the tracker of the run in progress.
 */
export class CallbackReceiver {
  /** The run in progress; callbacks between runs are counted and dropped. */
  tracker: DeliveryTracker | undefined;
  #webhook: Webhook | undefined;
  #url = '';
  /** Callbacks refused: a bad signature or an unknown path. */
  rejected = 0;
  readonly #server = createServer((req, res) => void this.#handle(req, res));

  get url(): string {
    return this.#url;
  }

  /** Verifies Herald's webhooks with this endpoint secret from now on. */
  set heraldSecret(secret: string) {
    this.#webhook = new Webhook(secret);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    if (req.method === 'POST' && url.pathname === '/herald' && this.#herald(Buffer.concat(chunks), req)) {
      res.writeHead(204).end();
    } else if (req.method === 'GET' && url.pathname === '/kannel') {
      const id = url.searchParams.get('id') ?? '';
      const type = url.searchParams.get('type') ?? '';
      if (type === KANNEL_DELIVERED) this.tracker?.finished(id, true);
      else if (KANNEL_FAILED.has(type)) this.tracker?.finished(id, false);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else {
      this.rejected++;
      res.writeHead(400).end();
    }
  }

  #herald(body: Buffer, req: IncomingMessage): boolean {
    let event: { type?: string; data?: { id?: string } };
    try {
      event = this.#webhook!.verify(body, req.headers as Record<string, string>) as typeof event;
    } catch {
      return false;
    }
    const id = event.data?.id ?? '';
    const status = event.type?.replace(/^message\./, '') ?? '';
    if (status === 'delivered') this.tracker?.finished(id, true);
    else if (HERALD_FAILED.has(status)) this.tracker?.finished(id, false);
    return true;
  }
}
