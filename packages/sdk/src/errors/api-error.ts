/**
 * The server refused a request: carries its stable `HERALD_ERR_*` code, HTTP status, reason,
 * whether a retry helps, and the request id to quote to an operator.
 */
export class HeraldApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly reason: string;
  readonly retryable: boolean;
  readonly requestId: string | undefined;

  constructor(init: {
    code: string;
    status: number;
    message: string;
    reason: string;
    retryable: boolean;
    requestId?: string | undefined;
  }) {
    super(init.message);
    this.name = 'HeraldApiError';
    this.code = init.code;
    this.status = init.status;
    this.reason = init.reason;
    this.retryable = init.retryable;
    this.requestId = init.requestId;
  }

  /** Whether the same request may succeed later. */
  get isRetryable(): boolean {
    return this.retryable;
  }
}

/** Whether `err` is a {@link HeraldApiError}, optionally with the server code `code`. */
export function isHeraldApiError(err: unknown, code?: string): err is HeraldApiError {
  return err instanceof HeraldApiError && (code === undefined || err.code === code);
}
