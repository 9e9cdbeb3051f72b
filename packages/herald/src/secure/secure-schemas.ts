import { Type } from '@fastify/type-provider-typebox';
import { GROUP_ID_BYTES } from './group-id.ts';
import { base64Length, type SecureLimits } from './secure-limits.ts';

/**
 * Standard base64 of at most `bytes` bytes. The size is checked after decoding, for a precise
 * HERALD_ERR_SECURE_MESSAGE_TOO_LARGE (the route's body limit bounds what is parsed at all).
 */
export const base64Of = (bytes: number, description: string) =>
  Type.String({
    minLength: 1,
    pattern: '^[A-Za-z0-9+/]*={0,2}$',
    description: `${description} (standard base64, at most ${bytes} bytes)`,
  });

const GroupIdText = Type.String({
  minLength: base64Length(GROUP_ID_BYTES.min),
  maxLength: base64Length(GROUP_ID_BYTES.max),
  description: `The MLS group id: ${GROUP_ID_BYTES.min} to ${GROUP_ID_BYTES.max} random bytes, standard base64`,
});

/** An id part of an MLS identity (`userId:deviceId`): a token without ':' or whitespace. */
const IdPart = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s:]+$' });

export const GroupParams = Type.Object({ groupId: GroupIdText }, { additionalProperties: false });

export const CreateGroupBody = Type.Object({ groupId: GroupIdText }, { additionalProperties: false });

/** The schemas whose bounds come from the configured limits. */
export function secureSchemas(limits: SecureLimits) {
  const mls = (what: string) => base64Of(limits.maxMessageBytes, what);
  return {
    HandshakeBody: Type.Object(
      {
        message: mls('The MLSMessage carrying the commit or proposal'),
        welcome: Type.Optional(mls('The MLSMessage(Welcome) for the devices the commit adds')),
        groupInfo: Type.Optional(mls("The committer's MLSMessage(GroupInfo) for the new epoch")),
        roster: Type.Optional(
          Type.Object(
            {
              added: Type.Optional(
                Type.Array(
                  Type.Object(
                    {
                      userId: IdPart,
                      deviceId: IdPart,
                      leafIndex: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
                    },
                    { additionalProperties: false },
                  ),
                  { maxItems: limits.maxRosterChanges },
                ),
              ),
              removed: Type.Optional(
                Type.Array(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }), {
                  maxItems: limits.maxRosterChanges,
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    ApplicationBody: Type.Object(
      { message: mls('An MLS PrivateMessage with application data, for the current epoch') },
      { additionalProperties: false },
    ),
    InboxQuery: Type.Object(
      {
        after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxFetchItems })),
      },
      { additionalProperties: false },
    ),
  };
}

export const AckBody = Type.Object(
  { upTo: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

/** APNs device tokens are hex (32 bytes or more); FCM registration tokens are opaque. */
export const PushTokenBody = Type.Union([
  Type.Object(
    { platform: Type.Literal('apns'), token: Type.String({ pattern: '^[0-9a-fA-F]{64,200}$' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { platform: Type.Literal('fcm'), token: Type.String({ pattern: '^[A-Za-z0-9_:.-]{1,4096}$' }) },
    { additionalProperties: false },
  ),
]);

export const InboxItemSchema = Type.Object({
  seq: Type.Integer(),
  groupId: Type.String(),
  kind: Type.Union([
    Type.Literal('commit'),
    Type.Literal('proposal'),
    Type.Literal('welcome'),
    Type.Literal('application'),
  ]),
  message: Type.String(),
  sentAt: Type.String({ format: 'date-time' }),
});
