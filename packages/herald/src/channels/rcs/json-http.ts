import { HeraldError } from '../../errors/index.ts';
import type { Channel } from '../channel-adapter.ts';
import { HttpTransportError, type HttpTransport } from './http-transport.ts';

/** A provider's HTTP answer: the status and the body parsed as JSON (undefined when empty). */
export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
  /** The body was not empty and not JSON. */
  readonly malformed: boolean;
}

/** One JSON request. */
export interface JsonRequest {
  readonly channel: Channel;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly transport: HttpTransport;
}

/**
 * Makes one request through the transport, bounded by `timeoutMs` and the caller's signal, and
 * reads the whole answer. Throws `HERALD_ERR_CHANNEL_ABORTED` when the caller aborted,
 * `_TIMEOUT` when our deadline passed, `_UNAVAILABLE` when the connection failed and
 * `_BAD_RESPONSE` when the answer was cut short. Redirects are not followed (the transport's).
 */
export async function requestJson(req: JsonRequest): Promise<JsonAnswer> {
  const { channel, signal } = req;
  if (signal?.aborted) throw aborted(channel, signal);
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  let status: number;
  let text: string;
  try {
    ({ status, text } = await req.transport({
      method: req.method,
      url: req.url,
      headers: req.body === undefined ? req.headers : { 'content-type': 'application/json', ...req.headers },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: combined,
    }));
  } catch (err) {
    throw failure(req, err, deadline, err instanceof HttpTransportError ? err.stage : 'connection');
  }
  if (text.trim() === '') return { status, body: undefined, malformed: false };
  try {
    return { status, body: JSON.parse(text) as unknown, malformed: false };
  } catch {
    return { status, body: undefined, malformed: true };
  }
}

function failure(
  req: JsonRequest,
  err: unknown,
  deadline: AbortSignal,
  stage: 'connection' | 'body',
): HeraldError {
  if (req.signal?.aborted) return aborted(req.channel, req.signal);
  if (deadline.aborted)
    return new HeraldError(
      'HERALD_ERR_CHANNEL_TIMEOUT',
      { channel: req.channel, ms: req.timeoutMs },
      { cause: err },
    );
  // A body cut short is a broken answer; a failed connection is the provider being unreachable.
  return stage === 'body'
    ? new HeraldError(
        'HERALD_ERR_CHANNEL_BAD_RESPONSE',
        { channel: req.channel },
        { cause: err, details: { problem: 'truncated' } },
      )
    : new HeraldError(
        'HERALD_ERR_CHANNEL_UNAVAILABLE',
        { channel: req.channel, detail: 'connection failed' },
        { cause: err },
      );
}

/** The error for a send the caller aborted. */
export function aborted(channel: Channel, signal: AbortSignal | undefined): HeraldError {
  return new HeraldError('HERALD_ERR_CHANNEL_ABORTED', { channel }, { cause: signal?.reason });
}
