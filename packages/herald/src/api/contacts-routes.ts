import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CHANNELS } from '../channels/channel-adapter.ts';
import type { ContactStore } from '../contacts/contact-store.ts';
import { HeraldError } from '../errors/index.ts';
import { USER_ID_PATTERN } from '../keys/user-id.ts';
import { requireRole } from './auth.ts';
import { parseRecipient } from '../messages/recipient.ts';
import { literals } from './message-schemas.ts';

const UserParams = Type.Object({ userId: Type.String({ pattern: USER_ID_PATTERN }) });
const PushAddress = Type.String({ pattern: '^(apns:[0-9a-fA-F]{64,200}|fcm:[A-Za-z0-9_:.-]{1,4096})$' });

const ContactBody = Type.Object(
  {
    phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }), Type.Null()])),
    email: Type.Optional(Type.Union([Type.String({ maxLength: 254 }), Type.Null()])),
    push: Type.Optional(Type.Array(PushAddress, { maxItems: 10 })),
    consent: Type.Optional(Type.Array(literals(CHANNELS), { maxItems: CHANNELS.length, uniqueItems: true })),
  },
  { additionalProperties: false },
);

/**
 * `/v1/contacts/:userId`: the recipient directory. A message to `user:<id>` is sent to the
 * phone, email or push token found here when each step is sent, and the policy sees which
 * channels the user has and what they consented to. Admins write; senders and admins read.
 */
export const contactsRoutes: FastifyPluginAsyncTypebox<{ contacts: ContactStore }> = async (
  app,
  { contacts },
) => {
  app.put(
    '/v1/contacts/:userId',
    {
      schema: {
        summary: 'Create or replace a contact',
        tags: ['contacts'],
        params: UserParams,
        body: ContactBody,
      },
    },
    async (req) => {
      const p = requireRole(req, 'write contacts', 'admin');
      const b = req.body;
      if (b.email && !isEmail(b.email))
        throw new HeraldError('HERALD_ERR_CONTACT_INVALID', { field: 'email' });
      return contacts.put(p.tenantId, req.params.userId, {
        phone: b.phone ?? null,
        email: b.email?.toLowerCase() ?? null,
        push: b.push ?? [],
        consent: b.consent ?? [],
      });
    },
  );
  app.get(
    '/v1/contacts/:userId',
    { schema: { summary: 'One contact', tags: ['contacts'], params: UserParams } },
    async (req) => {
      const p = requireRole(req, 'read contacts', 'admin', 'sender');
      const c = await contacts.get(p.tenantId, req.params.userId);
      if (!c) throw new HeraldError('HERALD_ERR_CONTACT_NOT_FOUND', { userId: req.params.userId });
      return c;
    },
  );
  app.delete(
    '/v1/contacts/:userId',
    { schema: { summary: 'Forget a contact', tags: ['contacts'], params: UserParams } },
    async (req, reply) => {
      const p = requireRole(req, 'write contacts', 'admin');
      if (!(await contacts.delete(p.tenantId, req.params.userId)))
        throw new HeraldError('HERALD_ERR_CONTACT_NOT_FOUND', { userId: req.params.userId });
      return reply.code(204).send();
    },
  );
};

function isEmail(s: string): boolean {
  try {
    return parseRecipient(s).kind === 'email';
  } catch {
    return false;
  }
}
