/** The subset of a WebSocket the live updates use (browsers' `WebSocket`, or `ws` in Node). */
export interface WebSocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
  close(): void;
}

/**
 * Opens the device stream. `token` is the device token: browsers cannot set headers on a
 * WebSocket, so the default factory sends it as the subprotocol `herald.bearer.<token>`
 * (docs/secure-channel.md); Node can use {@link headerWebSocket} from `@herald/sdk/node`.
 */
export type WebSocketFactory = (url: string, token: string) => WebSocketLike;

/** The global `WebSocket` (browsers, Node 22+), with the token as subprotocol. */
export const subprotocolWebSocket: WebSocketFactory = (url, token) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike })
    .WebSocket;
  if (Ctor === undefined) throw new Error('no global WebSocket');
  return new Ctor(url, [`herald.bearer.${token}`]);
};

/** Options of {@link LiveUpdates}. */
export interface LiveUpdatesOptions {
  /** The stream URL (`ws(s)://…/v1/devices/me/stream`). */
  readonly url: string;
  readonly token: () => string;
  readonly webSocket: WebSocketFactory | undefined;
  /** Called when the inbox may have grown: on each `{ seq }`, on (re)connect, on each poll. */
  readonly onSignal: () => void;
  /** Poll interval while the stream is down (default 5 s). */
  readonly pollIntervalMs?: number;
}

/**
 * Live updates for a device: the WebSocket stream tells it when its inbox grows; while the stream
 * is down (no WebSocket, refused, dropped) the device polls, and the stream is retried with
 * backoff. The stream carries only sequence numbers; messages are always fetched over HTTPS.
 */
export class LiveUpdates {
  readonly #o: LiveUpdatesOptions;
  #socket: WebSocketLike | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #backoffMs = 1000;
  #running = false;
  #connected = false;

  constructor(options: LiveUpdatesOptions) {
    this.#o = options;
  }

  /** Whether the stream is open (otherwise the device is polling). */
  get streaming(): boolean {
    return this.#connected;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startPolling();
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    this.#connected = false;
    if (this.#poll !== undefined) clearInterval(this.#poll);
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#poll = undefined;
    this.#retry = undefined;
    const s = this.#socket;
    this.#socket = undefined;
    if (s !== undefined) {
      s.onclose = null;
      s.onerror = null;
      s.onmessage = null;
      s.close();
    }
  }

  #startPolling(): void {
    if (this.#poll !== undefined) return;
    // Live updates keep a Node process alive, like an open stream would, until `stop()`.
    this.#poll = setInterval(() => this.#o.onSignal(), this.#o.pollIntervalMs ?? 5000);
  }

  #connect(): void {
    if (!this.#running || this.#o.webSocket === undefined) return;
    let socket: WebSocketLike;
    try {
      socket = this.#o.webSocket(this.#o.url, this.#o.token());
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#connected = true;
      this.#backoffMs = 1000;
      if (this.#poll !== undefined) clearInterval(this.#poll);
      this.#poll = undefined;
      this.#o.onSignal();
    };
    socket.onmessage = () => this.#o.onSignal();
    socket.onerror = () => undefined; // onclose follows
    socket.onclose = () => {
      this.#connected = false;
      this.#socket = undefined;
      if (!this.#running) return;
      this.#startPolling();
      this.#scheduleRetry();
    };
  }

  #scheduleRetry(): void {
    if (!this.#running || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect();
    }, this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, 30_000);
  }
}
