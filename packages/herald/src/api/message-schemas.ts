import { Type } from '@fastify/type-provider-typebox';
import { CLASSIFICATIONS } from '../policy/decision.ts';
import { MESSAGE_STATUSES } from '../delivery/message-status.ts';
import { SENDER_COPY_LIMITS } from '../journal/sender-copy.ts';

/** A TypeBox union of string literals, from an `as const` tuple. */
export const literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)));

/** Bounds on every input, so no request can make the gateway store or parse without limit. */
export const LIMITS = {
  textChars: 10_000,
  labels: 32,
  labelKeyChars: 64,
  labelValueChars: 256,
  idempotencyKeyChars: 255,
  maxTtlSeconds: 30 * 24 * 3600,
  pageSize: 200,
  /** Largest MLS message in `content.mls` (the Delivery Service's default limit). */
  mlsMessageBytes: 256 * 1024,
} as const;

/** Standard base64 characters (the decoder checks canonical form). */
const BASE64 = '^[A-Za-z0-9+/]*={0,2}$';

export const SendMessageBody = Type.Object(
  {
    to: Type.String({
      minLength: 3,
      maxLength: 254,
      description: 'E.164 number, email address or `user:<id>`',
    }),
    content: Type.Union([
      Type.Object(
        { text: Type.String({ minLength: 1, maxLength: LIMITS.textChars }) },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          mls: Type.Object(
            {
              groupId: Type.String({ minLength: 24, maxLength: 88, pattern: BASE64 }),
              message: Type.String({
                minLength: 4,
                maxLength: 4 * Math.ceil(LIMITS.mlsMessageBytes / 3),
                pattern: BASE64,
                description: 'An MLS PrivateMessage with application data, encrypted by the sender',
              }),
            },
            { additionalProperties: false },
          ),
          journalCopy: Type.Optional(
            Type.Object(
              {
                v: Type.Literal(1),
                id: Type.String({ pattern: SENDER_COPY_LIMITS.idPattern }),
                enc: Type.String({
                  minLength: SENDER_COPY_LIMITS.encChars,
                  maxLength: SENDER_COPY_LIMITS.encChars,
                  pattern: BASE64,
                }),
                key: Type.String({
                  minLength: SENDER_COPY_LIMITS.keyChars,
                  maxLength: SENDER_COPY_LIMITS.keyChars,
                  pattern: BASE64,
                }),
                ct: Type.String({ minLength: 40, maxLength: SENDER_COPY_LIMITS.maxCtChars, pattern: BASE64 }),
              },
              {
                additionalProperties: false,
                description:
                  'The journal copy sealed by the sender to the archive public key (HPKE); the gateway stores it in the journal record without being able to open it',
              },
            ),
          ),
        },
        {
          additionalProperties: false,
          description: 'End-to-end-encrypted content for the secure channel; only to `user:<id>`',
        },
      ),
    ]),
    classification: literals(CLASSIFICATIONS),
    retention: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' })),
    ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.maxTtlSeconds, description: 'seconds' })),
    labels: Type.Optional(
      Type.Record(
        Type.String({ pattern: `^[a-z][a-z0-9_.-]{0,${LIMITS.labelKeyChars - 1}}$` }),
        Type.String({ maxLength: LIMITS.labelValueChars }),
        { maxProperties: LIMITS.labels, additionalProperties: false },
      ),
    ),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.idempotencyKeyChars })),
  },
  { additionalProperties: false },
);

const RouteStepSummary = Type.Object({ channel: Type.String(), content: Type.String(), tier: Type.String() });

export const DecisionSummary = Type.Object({
  outcome: Type.String(),
  rule: Type.String(),
  policyVersion: Type.String(),
  reasons: Type.Array(Type.String()),
  route: Type.Array(RouteStepSummary),
});

export const AcceptedMessage = Type.Object({
  id: Type.String(),
  status: Type.String(),
  decision: DecisionSummary,
});

export const MessageParams = Type.Object(
  { id: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    status: Type.Optional(literals(MESSAGE_STATUSES)),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.pageSize })),
  },
  { additionalProperties: false },
);

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    reason: Type.String(),
    retryable: Type.Boolean(),
    requestId: Type.String(),
  }),
});
