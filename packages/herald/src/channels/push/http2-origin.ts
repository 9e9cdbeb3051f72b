import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { HeraldError } from '../../errors/index.ts';

/** A whole HTTP/2 answer. */
export interface Http2Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on the shared connection. */
export interface Http2Request {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * One long-lived HTTP/2 connection to a provider origin, shared by every request (APNs asks
 * providers to keep connections open rather than reconnect per notification, and multiplexes
 * requests as streams). Reconnects on the next request after the session ends, errors or
 * receives GOAWAY. Each request has a deadline and honours the caller's signal by resetting its
 * stream (RST_STREAM CANCEL), which leaves the other streams alone.
 */
export class Http2Origin {
  readonly #origin: string;
  readonly #ca: string | undefined;
  readonly #timeoutMs: number;
  #session: ClientHttp2Session | undefined;
  #closed = false;

  constructor(origin: string, opts: { ca?: string | undefined; timeoutMs: number }) {
    this.#origin = origin;
    this.#ca = opts.ca;
    this.#timeoutMs = opts.timeoutMs;
  }

  /** Sends one request and reads the whole answer; errors are HeraldErrors for channel `push`. */
  request(req: Http2Request): Promise<Http2Answer> {
    if (req.signal?.aborted) return Promise.reject(abortedError(req.signal));
    if (this.#closed) return Promise.reject(unavailable('the adapter is closed'));
    const session = this.#connect();
    return new Promise<Http2Answer>((resolve, reject) => {
      let done = false;
      let status = 0;
      let headers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const stream = session.request({
        ':method': req.method,
        ':path': req.path,
        'content-length': String(Buffer.byteLength(req.body)),
        ...req.headers,
      });
      const finish = (result: Http2Answer | HeraldError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (result instanceof HeraldError) {
          if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          reject(result);
        } else resolve(result);
      };
      const onAbort = (): void => finish(abortedError(req.signal));
      const timer = setTimeout(
        () => finish(new HeraldError('HERALD_ERR_CHANNEL_TIMEOUT', { channel: 'push', ms: this.#timeoutMs })),
        this.#timeoutMs,
      );
      req.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('response', (h) => {
        headers = h;
        status = Number(h[':status'] ?? 0);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // A stream reset by the peer ends with an error code and no (or part of a) answer.
        if (stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR) {
          return finish(badResponse('the stream was reset mid-answer'));
        }
        if (status === 0) return finish(badResponse('no response headers'));
        finish({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.on('error', (err) =>
        finish(
          status === 0
            ? unavailable(`stream failed (${(err as { code?: string }).code ?? 'error'})`, err)
            : badResponse('the stream was reset mid-answer', err),
        ),
      );
      stream.on('close', () => {
        if (!done)
          finish(
            status === 0
              ? unavailable('the stream closed before an answer')
              : badResponse('the answer was cut short'),
          );
      });
      stream.end(req.body);
    });
  }

  /** Closes the connection; later requests fail. */
  close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined || session.closed) return Promise.resolve();
    return new Promise((resolve) => {
      session.close(() => resolve());
      // Streams still open are cancelled rather than awaited.
      setTimeout(() => session.destroy(), 1000).unref();
    });
  }

  #connect(): ClientHttp2Session {
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = connect(this.#origin, this.#ca === undefined ? {} : { ca: this.#ca });
    // Errors surface on the streams; without a listener a session error would crash the process.
    session.on('error', () => {});
    session.on('goaway', () => {
      if (this.#session === session) this.#session = undefined;
    });
    session.on('close', () => {
      if (this.#session === session) this.#session = undefined;
    });
    this.#session = session;
    return session;
  }
}

function abortedError(signal: AbortSignal | undefined): HeraldError {
  return new HeraldError('HERALD_ERR_CHANNEL_ABORTED', { channel: 'push' }, { cause: signal?.reason });
}

function unavailable(detail: string, cause?: unknown): HeraldError {
  return new HeraldError(
    'HERALD_ERR_CHANNEL_UNAVAILABLE',
    { channel: 'push', detail },
    cause === undefined ? {} : { cause },
  );
}

function badResponse(problem: string, cause?: unknown): HeraldError {
  return new HeraldError(
    'HERALD_ERR_CHANNEL_BAD_RESPONSE',
    { channel: 'push' },
    { details: { problem }, ...(cause === undefined ? {} : { cause }) },
  );
}
