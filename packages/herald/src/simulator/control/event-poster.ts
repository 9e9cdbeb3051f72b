import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SimTimers } from './behaviour.ts';

/** Counters of an `EventPoster`. */
export interface PosterStats {
  /** POSTs made, counting retries. */
  readonly posted: number;
  /** Events the receiver acknowledged with a 2xx. */
  readonly acked: number;
  /** POSTs repeated after a non-2xx answer or no answer. */
  readonly retried: number;
  /** Events given up after the last attempt. */
  readonly dropped: number;
  /** Events not yet acknowledged or given up. */
  readonly pending: number;
}

/** One event to POST: the exact body and its headers (a signature covers the body). */
export interface OutgoingEvent {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Posts provider events (RBM user events, DSN reports) to a receiver's webhook the way
 * providers do: at least once, again after `retryMs` whenever the receiver answers non-2xx or
 * not at all, up to `maxAttempts`. Events wait while no URL is set.
 */
export class EventPoster {
  readonly #timers: SimTimers;
  readonly #retryMs: number;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #parked: OutgoingEvent[] = [];
  readonly #inFlight = new Set<AbortController>();
  // Keep-alive connections through node:http: `fetch` cost the simulator ≈ 1 ms of CPU per event.
  readonly #agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  #url: string | undefined;
  #posted = 0;
  #acked = 0;
  #retried = 0;
  #dropped = 0;
  #waiting = 0;
  #closed = false;

  constructor(opts: {
    timers: SimTimers;
    retryMs: number;
    maxAttempts: number;
    url?: string | undefined;
    timeoutMs?: number;
  }) {
    this.#timers = opts.timers;
    this.#retryMs = opts.retryMs;
    this.#maxAttempts = opts.maxAttempts;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
    this.#url = opts.url;
  }

  /** Sets (or changes) the receiver; parked events go out now. */
  setUrl(url: string | undefined): void {
    this.#url = url;
    if (url === undefined) return;
    for (const event of this.#parked.splice(0)) this.#attempt(event, 1);
  }

  get url(): string | undefined {
    return this.#url;
  }

  /** Queues one event for delivery. */
  post(event: OutgoingEvent): void {
    if (this.#closed) return;
    this.#waiting++;
    if (this.#url === undefined) this.#parked.push(event);
    else this.#attempt(event, 1);
  }

  stats(): PosterStats {
    return {
      posted: this.#posted,
      acked: this.#acked,
      retried: this.#retried,
      dropped: this.#dropped,
      pending: this.#waiting,
    };
  }

  /** Stops posting and aborts requests in flight. */
  close(): void {
    this.#closed = true;
    for (const controller of this.#inFlight) controller.abort();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #attempt(event: OutgoingEvent, attempt: number): void {
    const url = this.#url;
    if (this.#closed) return;
    if (url === undefined) {
      this.#parked.push(event);
      return;
    }
    this.#posted++;
    if (attempt > 1) this.#retried++;
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    void this.#post(url, event, controller.signal).then((ok) => {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
      if (this.#closed) return;
      if (ok) {
        this.#acked++;
        this.#waiting--;
      } else if (attempt >= this.#maxAttempts) {
        this.#dropped++;
        this.#waiting--;
      } else {
        this.#timers.after(this.#retryMs, () => this.#attempt(event, attempt + 1));
      }
    });
  }

  /** One POST; true for a 2xx answer read to its end, false for anything else. */
  #post(url: string, event: OutgoingEvent, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve(false);
        return;
      }
      const https = target.protocol === 'https:';
      const onResponse = (res: IncomingMessage): void => {
        // Read to the end so the connection is reused.
        res.resume();
        res.once('end', () =>
          resolve(res.complete && (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300),
        );
        res.once('error', () => resolve(false));
      };
      const options = {
        method: 'POST',
        headers: { ...event.headers, 'content-length': String(Buffer.byteLength(event.body)) },
        agent: https ? this.#agents.https : this.#agents.http,
        signal,
      };
      const req = https
        ? httpsRequest(target, options, onResponse)
        : httpRequest(target, options, onResponse);
      req.once('error', () => resolve(false));
      req.end(event.body);
    });
  }
}
