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
  HERALD_ERR_DEVICE_INACTIVE: {
    status: 403,
    reason: 'forbidden',
    message: 'The device is {status}; suspended and revoked devices are refused',
  },
  HERALD_ERR_INBOUND_NOT_FOUND: { status: 404, reason: 'not_found', message: 'Reply {id} not found' },
  HERALD_ERR_CONTACT_NOT_FOUND: { status: 404, reason: 'not_found', message: 'Contact {userId} not found' },
  HERALD_ERR_CONTACT_INVALID: {
    status: 400,
    reason: 'invalid',
    message: 'The contact field {field} is not valid',
  },
  HERALD_ERR_AUTH_FORBIDDEN: {
    status: 403,
    reason: 'forbidden',
    message: 'The caller ({role}) may not {action}',
  },
  // --- devices, KeyPackages and the key directory (the `keys` part; never keys or tokens in messages)
  HERALD_ERR_DEVICE_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'Device {id} not found',
  },
  HERALD_ERR_DEVICE_REVOKED: {
    status: 409,
    reason: 'conflict',
    message: 'Device {id} is revoked; revocation is final',
  },
  HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID: {
    status: 401,
    reason: 'unauthorized',
    message: 'The enrollment token is unknown, already used or expired',
  },
  HERALD_ERR_KEYS_INVALID_SIGNATURE_KEY: {
    status: 400,
    reason: 'invalid',
    message: 'The signature key is not a raw 32-byte Ed25519 public key',
  },
  HERALD_ERR_KEYS_ATTESTATION_UNSUPPORTED: {
    status: 400,
    reason: 'invalid',
    message: 'Attestation format {format} is not accepted by this gateway',
  },
  HERALD_ERR_KEYS_ATTESTATION_REJECTED: {
    status: 400,
    reason: 'invalid',
    message: 'The device attestation was refused: {reason}',
  },
  HERALD_ERR_KEYS_TOO_MANY_DEVICES: {
    status: 409,
    reason: 'conflict',
    message: 'The user already has {max} devices; revoke one first',
  },
  HERALD_ERR_KEYS_KEY_PACKAGE_NOT_OWN: {
    status: 400,
    reason: 'invalid',
    message: "A KeyPackage's credential is not this device with its directory key: {reason}",
  },
  HERALD_ERR_KEYS_TOO_MANY_KEY_PACKAGES: {
    status: 409,
    reason: 'conflict',
    message: 'The device would hold more than {max} unclaimed KeyPackages',
  },
  HERALD_ERR_KEYS_SERVICE_KEY_CONFLICT: {
    status: 409,
    reason: 'conflict',
    message: 'Device {id} is already published with another key, or is no longer active',
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
  HERALD_ERR_MESSAGE_NOT_ESCALATED: {
    status: 409,
    reason: 'conflict',
    message: 'Message {id} is not waiting for review',
  },
  HERALD_ERR_MESSAGE_MLS_NEEDS_USER: {
    status: 400,
    reason: 'invalid',
    message: 'End-to-end-encrypted (mls) content can only be sent to a Herald user id (user:<id>)',
  },
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
  HERALD_ERR_WEBHOOK_INVALID_EVENTS: {
    status: 400,
    reason: 'invalid',
    message: 'Invalid webhook event filter: {detail}',
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
  HERALD_ERR_WORKER_THREAD: {
    status: 500,
    reason: 'internal',
    message: 'The delivery worker thread stopped: {detail}',
  },
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
  HERALD_ERR_CHANNEL_BIND_FAILED: {
    status: 502,
    reason: 'unauthorized',
    message: 'The {channel} provider refused our credentials: {detail}',
  },
  HERALD_ERR_CHANNEL_CONTENT_TOO_LONG: {
    status: 400,
    reason: 'invalid',
    message: 'The {channel} message is longer than {limit} encoded octets',
  },
  // --- channels: rcs/email/push
  HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED: {
    status: 422,
    reason: 'rejected',
    message: 'The recipient cannot receive {channel} messages: {detail}',
  },
  HERALD_ERR_CHANNEL_AUTH_FAILED: {
    status: 502,
    reason: 'unauthorized',
    message: 'The {channel} provider refused our credentials: {detail}',
  },
  HERALD_ERR_CHANNEL_TLS_REQUIRED: {
    status: 502,
    reason: 'unavailable',
    message: 'The {channel} provider connection could not be protected with TLS: {detail}',
  },
  HERALD_ERR_CHANNEL_WEBHOOK_UNAUTHENTICATED: {
    status: 401,
    reason: 'unauthorized',
    message: 'The {channel} webhook signature is missing or does not verify',
  },
  HERALD_ERR_CHANNEL_REVOKE_TOO_LATE: {
    status: 409,
    reason: 'conflict',
    message: 'The {channel} message was already delivered and cannot be revoked',
  },
  // --- simulator
  HERALD_ERR_SIMULATOR_BAD_PROFILE: {
    status: 500,
    reason: 'invalid',
    message: 'Invalid simulator profile: {detail}',
  },
  HERALD_ERR_SIMULATOR_LISTEN_FAILED: {
    status: 500,
    reason: 'unavailable',
    message: 'The simulator cannot listen on {host}:{port}: {detail}',
  },
  // --- tlog (RFC 9162 Merkle logs and C2SP signed checkpoints: journal and key directory)
  HERALD_ERR_TLOG_INVALID_ARGUMENT: {
    status: 400,
    reason: 'invalid',
    message: 'Invalid transparency log argument: {detail}',
  },
  HERALD_ERR_TLOG_BEYOND_SIZE: {
    status: 400,
    reason: 'invalid',
    message: 'The {what} {value} is beyond the log size {size}',
  },
  HERALD_ERR_TLOG_SIZE_CONFLICT: {
    status: 409,
    reason: 'conflict',
    message: 'The log is at size {actual}, not {expected}: another sequencer appended',
  },
  HERALD_ERR_TLOG_MISSING_NODE: {
    status: 500,
    reason: 'internal',
    message: 'The hash store has no node at level {level}, index {index}',
  },
  HERALD_ERR_TLOG_MALFORMED_TILE: {
    status: 500,
    reason: 'internal',
    message: 'The stored tile at level {level}, index {index} is malformed: {detail}',
  },
  HERALD_ERR_TLOG_NOT_DURABLE: {
    status: 503,
    reason: 'unavailable',
    message:
      'The {origin} checkpoint at size {size} is not published: the database could not make it durable ({cause}); restart once the storage is healthy',
  },
  HERALD_ERR_TLOG_MALFORMED_KEY: {
    status: 400,
    reason: 'invalid',
    message: 'The note key is malformed: {detail}',
  },
  HERALD_ERR_TLOG_MALFORMED_NOTE: {
    status: 400,
    reason: 'invalid',
    message: 'The signed note is malformed: {detail}',
  },
  HERALD_ERR_TLOG_MALFORMED_CHECKPOINT: {
    status: 400,
    reason: 'invalid',
    message: 'The checkpoint is malformed: {detail}',
  },
  HERALD_ERR_TLOG_BAD_SIGNATURE: {
    status: 400,
    reason: 'invalid',
    message: 'The note signature by key {name}+{keyId} does not verify',
  },
  HERALD_ERR_TLOG_UNVERIFIED_NOTE: {
    status: 400,
    reason: 'invalid',
    message: 'The note has no valid signature from a trusted key',
  },
  HERALD_ERR_TLOG_ORIGIN_MISMATCH: {
    status: 400,
    reason: 'invalid',
    message: 'The checkpoint is not for the log {expected}',
  },
  // --- journal (sealed journal, retention, legal holds, export, verification; never content)
  HERALD_ERR_JOURNAL_INVALID_ARGUMENT: {
    status: 400,
    reason: 'invalid',
    message: 'Invalid journal argument: {detail}',
  },
  HERALD_ERR_JOURNAL_QUEUE_CONFLICT: {
    status: 409,
    reason: 'conflict',
    message:
      'Integrating {expected} pending journal records removed {removed} from the queue; the batch was rolled back',
  },
  HERALD_ERR_JOURNAL_COPY_REQUIRED: {
    status: 422,
    reason: 'invalid',
    message:
      'The policy journals this end-to-end-encrypted message: send the copy sealed to the archive key in content.journalCopy',
  },
  HERALD_ERR_JOURNAL_ARCHIVE_KEY: {
    status: 400,
    reason: 'invalid',
    message: 'The archive key is unusable: {detail}',
  },
  HERALD_ERR_JOURNAL_SHREDDED: {
    status: 410,
    reason: 'not_found',
    message: 'Journal record {id} was crypto-shredded',
  },
  HERALD_ERR_JOURNAL_OPEN_FAILED: {
    status: 422,
    reason: 'invalid',
    message: 'Journal record {id} does not open with this archive key',
  },
  // --- key vault (the archive private key behind PKCS#11; never a PIN or key material)
  HERALD_ERR_VAULT_CONFIG: {
    status: 400,
    reason: 'invalid',
    message: 'The key vault is not configured: {detail}',
  },
  HERALD_ERR_VAULT_MODULE: {
    status: 400,
    reason: 'invalid',
    message: 'The PKCS#11 module cannot be loaded: {detail}',
  },
  HERALD_ERR_VAULT_TOKEN_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'No token labelled {token} in the PKCS#11 module',
  },
  HERALD_ERR_VAULT_LOGIN_FAILED: {
    status: 401,
    reason: 'unauthorized',
    message: 'Login to token {token} failed ({detail})',
  },
  HERALD_ERR_VAULT_KEY_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'No archive key labelled {label} on the token ({detail})',
  },
  HERALD_ERR_VAULT_KEY_EXISTS: {
    status: 409,
    reason: 'conflict',
    message: 'The token already holds a key labelled {label}',
  },
  HERALD_ERR_VAULT_KEY_UNSUPPORTED: {
    status: 400,
    reason: 'invalid',
    message: 'The archive key {label} is not usable for X25519 on this token: {detail}',
  },
  HERALD_ERR_VAULT_TOKEN_FAILED: {
    status: 502,
    reason: 'unavailable',
    message: 'The token failed {operation} ({detail})',
  },
  HERALD_ERR_JOURNAL_HOLD_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'No active legal hold {id}',
  },
  HERALD_ERR_JOURNAL_EXPORT_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'No journal export request {id}',
  },
  HERALD_ERR_JOURNAL_EXPORT_ALREADY_APPROVED: {
    status: 409,
    reason: 'conflict',
    message: 'Export {id} is already approved by this user',
  },
  HERALD_ERR_JOURNAL_EXPORT_NOT_APPROVED: {
    status: 403,
    reason: 'forbidden',
    message: 'Export {id} has {count} of the 2 approvals by different compliance users it needs',
  },
  HERALD_ERR_JOURNAL_EXPORT_DONE: {
    status: 409,
    reason: 'conflict',
    message: 'Export {id} has already run',
  },
  // --- policy (policy-as-code: loading, compiling and testing; `{where}` is file:line:column)
  HERALD_ERR_POLICY_SYNTAX: {
    status: 400,
    reason: 'invalid',
    message: 'The policy is not valid YAML or JSON at {where}: {detail}',
  },
  HERALD_ERR_POLICY_INVALID: {
    status: 400,
    reason: 'invalid',
    message: 'The policy is invalid at {where}: {detail}',
  },
  HERALD_ERR_POLICY_UNKNOWN_CHANNEL: {
    status: 400,
    reason: 'invalid',
    message: 'Unknown channel in the policy at {where}: {detail}',
  },
  HERALD_ERR_POLICY_UNKNOWN_CONDITION: {
    status: 400,
    reason: 'invalid',
    message: 'Unknown condition in the policy at {where}: {detail}',
  },
  HERALD_ERR_POLICY_BAD_DURATION: {
    status: 400,
    reason: 'invalid',
    message: 'Bad duration in the policy at {where}: {detail}',
  },
  HERALD_ERR_POLICY_UNKNOWN_NOTICE: {
    status: 400,
    reason: 'invalid',
    message: 'Unknown notice template in the policy at {where}: {detail}',
  },
  HERALD_ERR_POLICY_CONTENT_BELOW_TIER: {
    status: 400,
    reason: 'invalid',
    message: 'A rule sends content below its minimum security tier at {where}: {detail}',
  },
  HERALD_ERR_POLICY_PUSH_CONTENT: {
    status: 400,
    reason: 'invalid',
    message: 'A push step may carry only a notice, never content, at {where}: {detail}',
  },
  HERALD_ERR_POLICY_TIER_FLOOR: {
    status: 400,
    reason: 'invalid',
    message: 'A default minimum tier is below the floor for its classification at {where}: {detail}',
  },
  HERALD_ERR_POLICY_DUPLICATE_RULE: {
    status: 400,
    reason: 'invalid',
    message: 'Two rules have the same name at {where}: {detail}',
  },
  HERALD_ERR_POLICY_CASES_INVALID: {
    status: 400,
    reason: 'invalid',
    message: 'The policy test cases are invalid at {where}: {detail}',
  },
  HERALD_ERR_POLICY_CASES_FAILED: {
    status: 422,
    reason: 'invalid',
    message: '{failed} of {total} policy test cases fail; the policy was not activated',
  },
  // --- e2ee (MLS engine: framing, KeyPackages, group operations; never content or keys in messages)
  HERALD_ERR_E2EE_MALFORMED_MESSAGE: {
    status: 400,
    reason: 'invalid',
    message: 'The MLS message is malformed: {detail}',
  },
  HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT: {
    status: 400,
    reason: 'invalid',
    message: 'Expected an MLS {expected}, got {actual}',
  },
  HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE: {
    status: 400,
    reason: 'invalid',
    message: 'MLS cipher suite {suite} is not accepted here',
  },
  HERALD_ERR_E2EE_KEY_PACKAGE_INVALID: {
    status: 400,
    reason: 'invalid',
    message: 'The KeyPackage is invalid: {detail}',
  },
  HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME: {
    status: 400,
    reason: 'invalid',
    message: 'The KeyPackage lifetime is not acceptable: {detail}',
  },
  HERALD_ERR_E2EE_CREDENTIAL_REJECTED: {
    status: 403,
    reason: 'forbidden',
    message: 'The MLS credential was refused: {reason}',
  },
  HERALD_ERR_E2EE_WRONG_GROUP: {
    status: 400,
    reason: 'invalid',
    message: 'The MLS message belongs to another group',
  },
  HERALD_ERR_E2EE_STALE_EPOCH: {
    status: 409,
    reason: 'conflict',
    message: 'The MLS message is for epoch {epoch}; the group is at epoch {current}',
  },
  HERALD_ERR_E2EE_FUTURE_EPOCH: {
    status: 409,
    reason: 'conflict',
    message: 'The MLS message is for epoch {epoch}, ahead of this member at epoch {current}',
  },
  HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED: {
    status: 400,
    reason: 'invalid',
    message: 'A commit covering {proposals} must carry an UpdatePath (RFC 9420 §12.4)',
  },
  HERALD_ERR_E2EE_KEY_REUSED: {
    status: 400,
    reason: 'invalid',
    message: 'The commit introduces an HPKE key already used in the group (RFC 9420 §12.4.2)',
  },
  HERALD_ERR_E2EE_AUTHENTICATION_FAILED: {
    status: 400,
    reason: 'invalid',
    message: 'The MLS message failed authentication: {detail}',
  },
  HERALD_ERR_E2EE_DECRYPTION_FAILED: {
    status: 400,
    reason: 'invalid',
    message: 'The MLS message could not be decrypted',
  },
  HERALD_ERR_E2EE_REPLAYED_MESSAGE: {
    status: 409,
    reason: 'conflict',
    message: 'The MLS message was already processed or its key is deleted',
  },
  HERALD_ERR_E2EE_PROTOCOL_VIOLATION: {
    status: 400,
    reason: 'invalid',
    message: 'The MLS message breaks a protocol rule: {detail}',
  },
  HERALD_ERR_E2EE_NOT_A_MEMBER: {
    status: 403,
    reason: 'forbidden',
    message: 'This device is no longer a member of the group',
  },
  HERALD_ERR_E2EE_OWN_COMMIT: {
    status: 409,
    reason: 'conflict',
    message: "The commit is this device's own; merge the pending commit instead",
  },
  HERALD_ERR_E2EE_WELCOME_NOT_FOR_US: {
    status: 400,
    reason: 'invalid',
    message: 'The Welcome is not addressed to this KeyPackage',
  },
  HERALD_ERR_E2EE_MEMBER_NOT_FOUND: {
    status: 404,
    reason: 'not_found',
    message: 'The group has no member at leaf {leaf}',
  },
  HERALD_ERR_E2EE_INVALID_STATE: {
    status: 400,
    reason: 'invalid',
    message: 'The MLS group state cannot be used: {detail}',
  },
  HERALD_ERR_E2EE_EXTERNAL_PROPOSAL_REFUSED: {
    status: 400,
    reason: 'invalid',
    message: 'The external proposal is refused: {reason}',
  },
  HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED: {
    status: 403,
    reason: 'forbidden',
    message: 'The external join is refused: {reason}',
  },
  HERALD_ERR_E2EE_INVALID_ARGUMENT: {
    status: 400,
    reason: 'invalid',
    message: 'Invalid argument to the MLS engine: {detail}',
  },
  HERALD_ERR_E2EE_INTERNAL: { status: 500, reason: 'internal', message: 'MLS engine failure: {detail}' },
  // --- secure (the Delivery Service: groups, ordering, device queues; never content)
  HERALD_ERR_SECURE_GROUP_EXISTS: {
    status: 409,
    reason: 'conflict',
    message: 'A group with this id already exists',
  },
  HERALD_ERR_SECURE_GROUP_NOT_FOUND: { status: 404, reason: 'not_found', message: 'No such group' },
  HERALD_ERR_SECURE_NOT_MEMBER: {
    status: 403,
    reason: 'forbidden',
    message: 'This device is not an active member of the group',
  },
  HERALD_ERR_SECURE_STALE_EPOCH: {
    status: 409,
    reason: 'conflict',
    message: 'The message is for epoch {epoch}; the group is at epoch {current}',
  },
  HERALD_ERR_SECURE_WRONG_CONTENT_TYPE: {
    status: 400,
    reason: 'invalid',
    message: 'Expected an MLS {expected} here, got {actual}',
  },
  HERALD_ERR_SECURE_INVALID_ROSTER: {
    status: 400,
    reason: 'invalid',
    message: 'The roster does not fit the group: {detail}',
  },
  HERALD_ERR_SECURE_UNKNOWN_KEY_PACKAGE: {
    status: 400,
    reason: 'invalid',
    message: 'The Welcome names a KeyPackage that was not claimed in this tenant',
  },
  HERALD_ERR_SECURE_INVALID_HANDSHAKE: {
    status: 400,
    reason: 'invalid',
    message: 'The handshake request is inconsistent: {detail}',
  },
  HERALD_ERR_SECURE_MESSAGE_TOO_LARGE: {
    status: 413,
    reason: 'invalid',
    message: 'The {field} is larger than {limit} bytes',
  },
  HERALD_ERR_SECURE_QUEUE_FULL: {
    status: 429,
    reason: 'throttled',
    message: 'The inbox of a recipient device holds {limit} items; retry once it has fetched',
  },
  HERALD_ERR_SECURE_NO_GROUP_INFO: {
    status: 404,
    reason: 'not_found',
    message: 'No GroupInfo has been stored for this group',
  },
  HERALD_ERR_SECURE_TOO_MANY_STREAMS: {
    status: 429,
    reason: 'throttled',
    message: 'This device already has {limit} open streams',
  },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;
