/** Why an SDK operation failed, in the same terms as the server's `HeraldError.reason`. */
export const SDK_FAILURE_REASONS = [
  'invalid',
  'refused', // a security check failed: retrying against the same server cannot help
  'not_found',
  'conflict',
  'unavailable',
  'timeout',
  'internal',
] as const;
export type SdkFailureReason = (typeof SDK_FAILURE_REASONS)[number];

interface SdkErrorDef {
  readonly reason: SdkFailureReason;
  /** Template; `{name}` placeholders come from ids and counts, never from message content. */
  readonly message: string;
}

/**
 * Every error code the SDK raises itself (the server's own codes arrive as `HeraldApiError`).
 * The package README documents each one; a test keeps the two in step.
 */
export const SDK_ERRORS = {
  HERALD_SDK_INVALID_ARGUMENT: { reason: 'invalid', message: 'Invalid argument: {detail}' },
  HERALD_SDK_NETWORK: { reason: 'unavailable', message: 'The server could not be reached: {detail}' },
  HERALD_SDK_BAD_RESPONSE: {
    reason: 'internal',
    message: 'The server sent an unexpected response: {detail}',
  },
  HERALD_SDK_STORE: { reason: 'internal', message: 'The device store failed: {detail}' },
  HERALD_SDK_NOT_ENROLLED: { reason: 'invalid', message: 'This device is not enrolled yet' },
  HERALD_SDK_ALREADY_ENROLLED: { reason: 'conflict', message: 'This store already holds an enrolled device' },
  HERALD_SDK_SECURE_NOT_CONFIGURED: {
    reason: 'invalid',
    message: 'Sending to a user needs a device client (`secure: { device }`)',
  },
  HERALD_SDK_NO_DEVICES: { reason: 'not_found', message: 'User {userId} has no active device to encrypt to' },
  HERALD_SDK_UNKNOWN_GROUP: {
    reason: 'not_found',
    message: 'This device holds no state for group {groupId}',
  },
  HERALD_SDK_EPOCH_CONFLICT: {
    reason: 'conflict',
    message: 'Group {groupId} kept moving; gave up after {attempts} attempts',
  },
  HERALD_SDK_CHECKPOINT_INVALID: {
    reason: 'refused',
    message: 'The key directory checkpoint does not verify: {detail}',
  },
  HERALD_SDK_DIRECTORY_INCONSISTENT: {
    reason: 'refused',
    message: 'The key directory is not consistent with a checkpoint seen before (size {from} to {to})',
  },
  HERALD_SDK_KEY_NOT_IN_DIRECTORY: {
    reason: 'refused',
    message: 'The key of device {userId}:{deviceId} is not proven by the key directory: {detail}',
  },
  HERALD_SDK_KEY_REVOKED: { reason: 'refused', message: 'Device {userId}:{deviceId} is revoked' },
  HERALD_SDK_ARCHIVE_KEY_MISMATCH: {
    reason: 'refused',
    message: 'The gateway seals its journal to another archive key than the one configured',
  },
  HERALD_SDK_DIRECTORY_PENDING: {
    reason: 'unavailable',
    message: 'The key directory has not integrated the entry of {userId}:{deviceId} yet',
  },
} as const satisfies Record<string, SdkErrorDef>;
export type SdkErrorCode = keyof typeof SDK_ERRORS;

const RETRYABLE: ReadonlySet<SdkFailureReason> = new Set(['unavailable', 'timeout']);

/**
 * An error the SDK raised itself, with a stable `HERALD_SDK_*` code. Key-directory refusals have
 * reason `refused`: they mean the server showed a key it cannot prove, and must not be retried
 * away. Messages carry ids, never content or keys.
 */
export class HeraldSdkError extends Error {
  readonly code: SdkErrorCode;
  readonly reason: SdkFailureReason;

  constructor(
    code: SdkErrorCode,
    params: Readonly<Record<string, string | number>> = {},
    options: { cause?: unknown } = {},
  ) {
    super(
      SDK_ERRORS[code].message.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`)),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'HeraldSdkError';
    this.code = code;
    this.reason = SDK_ERRORS[code].reason;
  }

  /** Whether the same call may succeed later. */
  get isRetryable(): boolean {
    return RETRYABLE.has(this.reason);
  }
}

/** Whether `err` is a {@link HeraldSdkError}, optionally with `code`. */
export function isHeraldSdkError(err: unknown, code?: SdkErrorCode): err is HeraldSdkError {
  return err instanceof HeraldSdkError && (code === undefined || err.code === code);
}
