import type { FailureReason } from './herald-error.ts';

interface ErrorDef {
  readonly status: number;
  readonly reason: FailureReason;
  /** Template; `{name}` placeholders are filled from metadata, never from message content. */
  readonly message: string;
}

/**
 * Every error code Herald can return, in one place (like Fastify's `lib/errors.js`).
 * `docs/errors.md` documents each one; a test keeps the two in step.
 */
export const ERRORS = {
  // --- API input
  HERALD_ERR_API_MALFORMED_JSON: {
    status: 400,
    reason: 'invalid',
    message: 'The request body is not valid JSON',
  },
  HERALD_ERR_API_VALIDATION: { status: 400, reason: 'invalid', message: 'The request is invalid: {detail}' },
  HERALD_ERR_API_BODY_TOO_LARGE: {
    status: 413,
    reason: 'invalid',
    message: 'The request body is larger than {limit} bytes',
  },
  HERALD_ERR_API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    reason: 'invalid',
    message: 'Content-Type must be application/json',
  },
  HERALD_ERR_API_NOT_FOUND: { status: 404, reason: 'not_found', message: 'No route {method} {url}' },
  HERALD_ERR_API_RATE_LIMITED: {
    status: 429,
    reason: 'throttled',
    message: 'Too many requests; retry after {retryAfter} s',
  },
  HERALD_ERR_API_INTERNAL: {
    status: 500,
    reason: 'internal',
    message: 'Internal error; the request id is {requestId}',
  },
  HERALD_ERR_API_UNAVAILABLE: {
    status: 503,
    reason: 'unavailable',
    message: 'The service is not ready: {detail}',
  },
  // --- authentication and authorisation
  HERALD_ERR_AUTH_MISSING: {
    status: 401,
    reason: 'unauthorized',
    message: 'An API key is required (Authorization: Bearer <key>)',
  },
  HERALD_ERR_AUTH_INVALID: { status: 401, reason: 'unauthorized', message: 'The API key is not valid' },
  HERALD_ERR_AUTH_FORBIDDEN: {
    status: 403,
    reason: 'forbidden',
    message: 'The API key role {role} may not {action}',
  },
  // --- messages
  HERALD_ERR_MESSAGE_INVALID_RECIPIENT: {
    status: 400,
    reason: 'invalid',
    message: 'The recipient is not an E.164 number, an email address or a Herald user id',
  },
  HERALD_ERR_MESSAGE_UNKNOWN_RETENTION: {
    status: 400,
    reason: 'invalid',
    message: 'Unknown retention class {retention}',
  },
  HERALD_ERR_MESSAGE_NOT_FOUND: { status: 404, reason: 'not_found', message: 'Message {id} not found' },
  HERALD_ERR_MESSAGE_INVALID_CURSOR: {
    status: 400,
    reason: 'invalid',
    message: 'The pagination cursor is not valid',
  },
  // --- idempotency
  HERALD_ERR_IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    reason: 'conflict',
    message: 'The idempotency key was used with a different request body',
  },
  HERALD_ERR_IDEMPOTENCY_IN_FLIGHT: {
    status: 409,
    reason: 'conflict',
    message: 'A request with this idempotency key is still in flight',
  },
  // --- tenants, keys, webhooks
  HERALD_ERR_TENANT_NOT_FOUND: { status: 404, reason: 'not_found', message: 'Tenant {id} not found' },
  HERALD_ERR_TENANT_EXISTS: {
    status: 409,
    reason: 'conflict',
    message: 'A tenant named {name} already exists',
  },
  HERALD_ERR_KEY_INVALID_ROLE: {
    status: 400,
    reason: 'invalid',
    message: 'Unknown role {role}; expected sender, admin or auditor',
  },
  HERALD_ERR_WEBHOOK_INVALID_URL: {
    status: 400,
    reason: 'invalid',
    message: 'The webhook URL must be http or https',
  },
  HERALD_ERR_WEBHOOK_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'Webhook endpoint {id} not found',
  },
  HERALD_ERR_WEBHOOK_DELIVERY_FAILED: {
    status: 502,
    reason: 'unavailable',
    message: 'The webhook endpoint answered {status}',
  },
  // --- storage
  HERALD_ERR_STORAGE_UNAVAILABLE: {
    status: 503,
    reason: 'unavailable',
    message: 'The database is unavailable',
  },
  HERALD_ERR_STORAGE_BAD_URL: {
    status: 500,
    reason: 'invalid',
    message: 'HERALD_DATABASE_URL must be a postgres:// URL or a SQLite file path',
  },
  // --- configuration
  HERALD_ERR_CONFIG_INVALID: { status: 500, reason: 'invalid', message: 'Invalid configuration: {detail}' },
  // --- channels (provider failures, mapped by each adapter)
  HERALD_ERR_CHANNEL_THROTTLED: {
    status: 503,
    reason: 'throttled',
    message: 'The {channel} provider is throttling us',
  },
  HERALD_ERR_CHANNEL_UNAVAILABLE: {
    status: 503,
    reason: 'unavailable',
    message: 'The {channel} provider is unavailable: {detail}',
  },
  HERALD_ERR_CHANNEL_TIMEOUT: {
    status: 504,
    reason: 'timeout',
    message: 'The {channel} provider did not answer within {ms} ms',
  },
  HERALD_ERR_CHANNEL_REJECTED: {
    status: 502,
    reason: 'rejected',
    message: 'The {channel} provider rejected the message: {detail}',
  },
  HERALD_ERR_CHANNEL_INVALID_DESTINATION: {
    status: 400,
    reason: 'invalid',
    message: 'The {channel} channel cannot reach this recipient',
  },
  HERALD_ERR_CHANNEL_ABORTED: { status: 499, reason: 'timeout', message: 'The {channel} send was aborted' },
  HERALD_ERR_CHANNEL_NOT_CONFIGURED: {
    status: 500,
    reason: 'invalid',
    message: 'No adapter is configured for channel {channel}',
  },
  HERALD_ERR_CHANNEL_BAD_RESPONSE: {
    status: 502,
    reason: 'unavailable',
    message: 'The {channel} provider sent a response Herald cannot parse',
  },
  // --- simulator
  HERALD_ERR_SIMULATOR_BAD_PROFILE: {
    status: 500,
    reason: 'invalid',
    message: 'Invalid simulator profile: {detail}',
  },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;
