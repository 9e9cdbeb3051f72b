import { ERRORS, type ErrorCode } from './registry.ts';

/** Why an operation failed, in terms a retry loop can act on (Effect's `SqlError` reasons). */
export const FAILURE_REASONS = [
  'invalid', // the input is wrong; retrying the same input cannot help
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'throttled', // the peer asked us to slow down; retry later
  'unavailable', // the peer or a dependency is down; retry later
  'timeout',
  'rejected', // the peer refused this item permanently
  'internal',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const RETRYABLE: ReadonlySet<FailureReason> = new Set(['throttled', 'unavailable', 'timeout']);

/**
 * The one error type Herald throws across module boundaries. It carries a stable code from the
 * registry, so callers and clients switch on `code`, and retry logic reads `isRetryable`, never
 * message text. Messages never contain message content, keys or secrets.
 */
export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly reason: FailureReason;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    params: Readonly<Record<string, string | number>> = {},
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    const def = ERRORS[code];
    super(
      def.message.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`)),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'HeraldError';
    this.code = code;
    this.statusCode = def.status;
    this.reason = def.reason;
    this.details = options.details;
  }

  /** Whether the same operation may succeed if tried again later. */
  get isRetryable(): boolean {
    return RETRYABLE.has(this.reason);
  }
}

/** Narrowing helper that also works across realms and duplicated module instances. */
export function isHeraldError(err: unknown): err is HeraldError {
  return err instanceof HeraldError;
}
