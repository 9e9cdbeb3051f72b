import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ATTESTATION_FORMATS, MAX_ATTESTATION_EVIDENCE } from '../keys/attestation-verifier.ts';
import { requireDevice } from '../keys/device-principal.ts';
import { MAX_ENROLLMENT_TTL_SECONDS } from '../keys/enrollment-token.ts';
import type { Keys } from '../keys/keys.ts';
import { USER_ID_PATTERN } from '../keys/user-id.ts';
import { requireRole } from './auth.ts';
import { Base64, fromBase64, toBase64 } from './base64-schema.ts';
import { deviceView } from './device-view.ts';
import { literals } from './message-schemas.ts';

const UserId = Type.String({ pattern: USER_ID_PATTERN, maxLength: 128 });
const DeviceIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

const EnrollBody = Type.Object(
  {
    enrollmentToken: Type.String({ minLength: 1, maxLength: 100 }),
    name: Type.Optional(Type.String({ pattern: '^[^\\x00-\\x1f\\x7f]{1,100}$' })),
    signatureKey: Base64(32, { description: 'the raw 32-byte Ed25519 public key' }),
    attestation: Type.Optional(
      Type.Object(
        {
          format: literals(ATTESTATION_FORMATS),
          evidence: Type.String({ maxLength: MAX_ATTESTATION_EVIDENCE }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes no bearer token (its credential is in the body). */
    public?: boolean;
  }
}

/**
 * Devices: enrollment tokens and enrollment, the admin's list and status changes, and a device's
 * view of itself (docs/secure-channel.md, "Devices"). `forgetDevice` drops the device from this
 * process's authentication cache, so a suspended or revoked device is refused at once.
 */
export const deviceRoutes: FastifyPluginAsyncTypebox<{ keys: Keys; forgetDevice(id: string): void }> = async (
  app,
  { keys, forgetDevice },
) => {
  app.post(
    '/v1/enrollment-tokens',
    {
      schema: {
        summary: 'Issue a one-time device enrollment token for a user (shown once)',
        tags: ['devices'],
        body: Type.Object(
          {
            userId: UserId,
            ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: MAX_ENROLLMENT_TTL_SECONDS })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'issue enrollment tokens', 'admin');
      const t = await keys.enrollment.issueToken(
        { id: p.keyId, role: p.role, tenantId: p.tenantId },
        { userId: req.body.userId, ...(req.body.ttlSeconds ? { ttlSeconds: req.body.ttlSeconds } : {}) },
      );
      return reply
        .code(201)
        .send({ token: t.token, userId: t.userId, expiresAt: new Date(t.expiresAt).toISOString() });
    },
  );

  app.post(
    '/v1/devices',
    {
      config: { public: true },
      schema: {
        summary: 'Enroll a device with an enrollment token; its device token is shown once',
        tags: ['devices'],
        security: [],
        body: EnrollBody,
      },
    },
    async (req, reply) => {
      const b = req.body;
      const e = await keys.enrollment.enroll({
        enrollmentToken: b.enrollmentToken,
        signatureKey: fromBase64(b.signatureKey),
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.attestation ? { attestation: b.attestation } : {}),
      });
      return reply.code(201).send({
        device: deviceView(e.device),
        deviceToken: e.deviceToken,
        directory: { entry: e.directory.entry, leafHash: toBase64(e.directory.leafHash) },
      });
    },
  );

  app.get(
    '/v1/devices',
    {
      schema: {
        summary: "The tenant's devices, optionally of one user",
        tags: ['devices'],
        querystring: Type.Object(
          {
            userId: Type.Optional(UserId),
            after: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const p = requireRole(req, 'list devices', 'admin');
      const q = req.query;
      const list = await keys.devices.list(p.tenantId, {
        ...(q.userId !== undefined ? { userId: q.userId } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      return { devices: list.map(deviceView) };
    },
  );

  app.get('/v1/devices/me', { schema: { summary: 'The calling device', tags: ['devices'] } }, async (req) => {
    const d = requireDevice(req);
    return deviceView(await keys.devices.get(d.tenantId, d.deviceId));
  });

  for (const change of ['suspend', 'resume', 'revoke'] as const) {
    app.post(
      `/v1/devices/:id/${change}`,
      {
        schema: {
          summary:
            change === 'revoke'
              ? 'Revoke a device for good (key directory entry, removal from its groups)'
              : `${change === 'suspend' ? 'Suspend' : 'Resume'} a device`,
          tags: ['devices'],
          params: DeviceIdParams,
        },
      },
      async (req) => {
        const p = requireRole(req, `${change} devices`, 'admin');
        const d = await keys.devices.change(
          { id: p.keyId, role: p.role, tenantId: p.tenantId },
          req.params.id,
          change,
        );
        forgetDevice(d.id);
        return deviceView(d);
      },
    );
  }
};
