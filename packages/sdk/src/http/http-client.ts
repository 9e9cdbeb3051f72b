import { HeraldApiError } from '../errors/api-error.ts';
import { HeraldSdkError } from '../errors/sdk-errors.ts';

/** The subset of `fetch` the SDK uses, so tests and runtimes can pass their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Options every SDK call accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** The server's base URL, e.g. `https://herald.example.com`. */
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  /** The bearer credential (API key or device token), read on every request. */
  readonly credential?: () => string | undefined;
  /** Per-request time limit (default 30 s). */
  readonly timeoutMs?: number;
  /** Largest response body accepted (default 16 MiB). */
  readonly maxResponseBytes?: number;
}

/** One request. */
export interface HttpRequest extends CallOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  /** Send the credential (default true). */
  readonly auth?: boolean;
  /** Sees the response's status and headers before its body is read. */
  readonly onResponse?: (res: Response) => void;
}

/**
 * JSON over `fetch` against one Herald server: bearer auth, a time limit, a bounded response, and
 * every failure as a typed error (`HeraldApiError` with the server's code, or `HeraldSdkError`).
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #credential: () => string | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(options: HttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'baseUrl is not a URL' });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'baseUrl must be http(s)' });
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((u, init) => globalThis.fetch(u, init));
    this.#credential = options.credential ?? (() => undefined);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
  }

  /** The absolute URL of `path` with `query`. */
  url(path: string, query: HttpRequest['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs === '' ? '' : `?${qs}`}`;
  }

  /** Sends `req` and returns the parsed JSON body (or `undefined` for an empty one). */
  async json(req: HttpRequest): Promise<unknown> {
    const text = await this.text(req);
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: `${req.method} ${req.path}: not JSON` });
    }
  }

  /** Sends `req` and returns the body as text (for signed notes). */
  async text(req: HttpRequest): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json, text/plain' };
    const credential = req.auth === false ? undefined : this.#credential();
    if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);
    let res: Response;
    try {
      res = await this.#fetch(this.url(req.path, req.query), {
        method: req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
    } catch (cause) {
      req.signal?.throwIfAborted();
      const detail = timeout.aborted
        ? 'timed out'
        : cause instanceof Error
          ? cause.message.slice(0, 200)
          : 'fetch failed';
      throw new HeraldSdkError('HERALD_SDK_NETWORK', { detail }, { cause });
    }
    req.onResponse?.(res);
    const text = await this.#readBounded(res, req);
    if (!res.ok) throw this.#apiError(res, text, req);
    return text;
  }

  async #readBounded(res: Response, req: HttpRequest): Promise<string> {
    const declared = Number(res.headers.get('content-length') ?? 0);
    const tooLarge = () =>
      new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', {
        detail: `${req.method} ${req.path}: body larger than ${this.#maxBytes} bytes`,
      });
    if (declared > this.#maxBytes) throw tooLarge();
    if (res.body === null) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.#maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
    const all = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    return new TextDecoder().decode(all);
  }

  #apiError(res: Response, text: string, req: HttpRequest): Error {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const e = (parsed as { error?: Record<string, unknown> } | undefined)?.error;
    if (e !== undefined && typeof e === 'object' && typeof e.code === 'string')
      return new HeraldApiError({
        code: e.code,
        status: res.status,
        message: typeof e.message === 'string' ? e.message : `HTTP ${res.status}`,
        reason: typeof e.reason === 'string' ? e.reason : 'internal',
        retryable: e.retryable === true,
        requestId: typeof e.requestId === 'string' ? e.requestId : undefined,
      });
    return new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', {
      detail: `${req.method} ${req.path}: HTTP ${res.status} without a Herald error body`,
    });
  }
}
