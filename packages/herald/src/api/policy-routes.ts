import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CHANNELS } from '../channels/channel-adapter.ts';
import { CLASSIFICATIONS } from '../policy/decision.ts';
import { explainDecision } from '../policy/index.ts';
import type { ActivePolicy } from '../policy-runtime/active-policy.ts';
import { HeraldError } from '../errors/index.ts';
import { parseRecipient } from '../messages/recipient.ts';
import { countryOfNumber as countryOf } from '../policy/country.ts';
import { requireRole } from './auth.ts';
import { literals } from './message-schemas.ts';

const ExplainBody = Type.Object(
  {
    to: Type.String({ minLength: 3, maxLength: 254 }),
    classification: literals(CLASSIFICATIONS),
    retention: Type.Optional(Type.String({ maxLength: 32 })),
    labels: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }), { maxProperties: 32 }),
    ),
    recipient: Type.Optional(
      Type.Object(
        {
          capabilities: Type.Optional(
            Type.Partial(Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, Type.Boolean()])))),
          ),
          managedDevice: Type.Optional(Type.Boolean()),
          compliantDevice: Type.Optional(Type.Boolean()),
          consent: Type.Optional(Type.Array(literals(CHANNELS), { maxItems: 5 })),
          quietHours: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/** `/v1/policy`: the active version, changing it (admins), and explaining a hypothetical message. */
export const policyRoutes: FastifyPluginAsyncTypebox<{ policy: ActivePolicy }> = async (app, { policy }) => {
  app.get(
    '/v1/policy',
    { schema: { summary: 'The active policy version and its history', tags: ['policy'] } },
    async (req) => {
      requireRole(req, 'read the policy', 'admin', 'auditor', 'sender');
      const p = policy.current();
      return {
        version: p.version,
        history: (await policy.history()).map((h) => ({
          ...h,
          activated_at: new Date(h.activated_at).toISOString(),
        })),
      };
    },
  );

  app.put(
    '/v1/policy',
    {
      schema: {
        summary:
          'Activate a new policy version (YAML or JSON); refused unless it compiles and its cases pass',
        tags: ['policy'],
        body: Type.Object(
          {
            source: Type.String({ minLength: 1, maxLength: 1_000_000 }),
            filename: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'change the policy', 'admin');
      const result = await policy.activate(req.body.source, req.body.filename ?? 'policy.yaml', p.keyId, {
        tenantId: p.tenantId,
        role: p.role,
      });
      if (!result.ok) {
        const e = result.error;
        return reply.code(e.statusCode).send({
          error: { code: e.code, message: e.message, reason: e.reason, retryable: false, requestId: req.id },
          diagnostics: result.diagnostics,
          ...(result.report ? { cases: result.report } : {}),
        });
      }
      return { version: result.policy.version, name: result.policy.name, warnings: result.warnings };
    },
  );

  app.post(
    '/v1/policy/explain',
    {
      schema: {
        summary: 'What the active policy decides for a hypothetical message (nothing is sent)',
        tags: ['policy'],
        body: ExplainBody,
      },
    },
    async (req) => {
      const p = requireRole(req, 'explain the policy', 'admin', 'auditor', 'sender');
      const b = req.body;
      const recipient = parseRecipient(b.to);
      const at = b.at === undefined ? new Date() : new Date(b.at);
      if (Number.isNaN(at.getTime()))
        throw new HeraldError('HERALD_ERR_API_VALIDATION', { detail: 'at is not a date' });
      const country = recipient.kind === 'phone' ? countryOf(recipient.address) : undefined;
      const decision = policy.current().decide(
        {
          tenantId: p.tenantId,
          apiKeyId: p.keyId,
          classification: b.classification,
          retention: b.retention ?? 'standard',
          labels: b.labels ?? {},
          recipient,
        },
        { ...(country ? { country } : {}), capabilities: {}, ...b.recipient } as never,
        at,
      );
      return {
        decision: JSON.parse(JSON.stringify(decision)) as unknown,
        explanation: explainDecision(decision),
      };
    },
  );
};
