import { HeraldError } from '../../errors/index.ts';
import type { Channel } from '../channel-adapter.ts';

/** The part of `fetch` the adapter uses, so tests can pass a fake without casts. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

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
  readonly fetch: FetchLike;
}

/**
 * Makes one request with node's fetch, bounded by `timeoutMs` and the caller's signal, and
 * reads the whole answer. Throws `HERALD_ERR_CHANNEL_ABORTED` when the caller aborted,
 * `_TIMEOUT` when our deadline passed, `_UNAVAILABLE` when the connection failed and
 * `_BAD_RESPONSE` when the answer was cut short. Redirects are not followed: provider APIs do
 * not redirect, and following one would send the bearer token elsewhere.
 */
export async function requestJson(req: JsonRequest): Promise<JsonAnswer> {
  const { channel, signal } = req;
  if (signal?.aborted) throw aborted(channel, signal);
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  const init: RequestInit = {
    method: req.method,
    headers: req.body === undefined ? req.headers : { 'content-type': 'application/json', ...req.headers },
    redirect: 'manual',
    signal: combined,
    ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
  };
  let res: Response;
  try {
    res = await req.fetch(req.url, init);
  } catch (err) {
    throw failure(req, err, deadline, 'connection');
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw failure(req, err, deadline, 'body');
  }
  if (text.trim() === '') return { status: res.status, body: undefined, malformed: false };
  try {
    return { status: res.status, body: JSON.parse(text) as unknown, malformed: false };
  } catch {
    return { status: res.status, body: undefined, malformed: true };
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
