import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HeraldError } from '../errors/index.ts';
import type { AcceptService } from '../messages/accept-service.ts';
import type { DeliveryStore } from '../storage/delivery-store.ts';
import type { MessageStore } from '../storage/message-store.ts';
import { requireRole } from './auth.ts';
import { AcceptedMessage, ErrorBody, ListQuery, MessageParams, SendMessageBody } from './message-schemas.ts';
import { messageDetail, messageSummary } from './message-view.ts';

/** `/v1/messages`: send, read one with its timeline, list. */
export const messagesRoutes: FastifyPluginAsyncTypebox<{
  accept: AcceptService;
  messages: MessageStore;
  delivery: DeliveryStore;
}> = async (app, { accept, messages, delivery }) => {
  app.post(
    '/v1/messages',
    {
      schema: {
        summary: 'Send a message',
        description:
          'Decides the route with the active policy and stores the message durably before answering. ' +
          'A message the policy blocks is recorded with status `blocked` and never sent.',
        tags: ['messages'],
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
        body: SendMessageBody,
        response: { 202: AcceptedMessage, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const principal = requireRole(req, 'send messages', 'sender', 'admin');
      const headerKey = req.headers['idempotency-key'];
      const body =
        typeof headerKey === 'string' && req.body.idempotencyKey === undefined
          ? { ...req.body, idempotencyKey: headerKey }
          : req.body;
      const answer = await accept.accept(principal, body);
      if (answer.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(202).send({ id: answer.id, status: answer.status, decision: answer.decision });
    },
  );

  app.get(
    '/v1/messages/:id',
    { schema: { summary: 'A message and its timeline', tags: ['messages'], params: MessageParams } },
    async (req) => {
      const principal = requireRole(req, 'read messages', 'sender', 'admin', 'auditor');
      const m = await messages.get(principal.tenantId, req.params.id);
      if (!m) throw new HeraldError('HERALD_ERR_MESSAGE_NOT_FOUND', { id: req.params.id });
      return messageDetail(m, await messages.timeline(m.id));
    },
  );

  app.get(
    '/v1/messages',
    { schema: { summary: 'List messages, newest first', tags: ['messages'], querystring: ListQuery } },
    async (req) => {
      const principal = requireRole(req, 'read messages', 'sender', 'admin', 'auditor');
      const q = req.query;
      const limit = q.limit ?? 50;
      const rows = await messages.list(principal.tenantId, {
        limit,
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.since === undefined ? {} : { since: Date.parse(q.since) }),
        ...(q.until === undefined ? {} : { until: Date.parse(q.until) }),
        ...(q.cursor === undefined ? {} : { after: decodeCursor(q.cursor) }),
      });
      const last = rows.at(-1);
      return {
        data: rows.map(messageSummary),
        nextCursor: rows.length === limit && last ? encodeCursor(last.created_at, last.id) : null,
      };
    },
  );

  for (const verdict of ['release', 'reject'] as const) {
    app.post(
      `/v1/messages/:id/${verdict}`,
      {
        schema: {
          summary:
            verdict === 'release'
              ? 'Release an escalated message along its route'
              : 'Reject an escalated message',
          tags: ['messages'],
          params: MessageParams,
        },
      },
      async (req) => {
        const p = requireRole(req, 'review escalated messages', 'admin', 'compliance');
        if (!(await delivery.review(p.tenantId, req.params.id, verdict, { id: p.keyId, role: p.role }))) {
          throw new HeraldError('HERALD_ERR_MESSAGE_NOT_ESCALATED', { id: req.params.id });
        }
        const m = await messages.get(p.tenantId, req.params.id);
        return { id: req.params.id, status: m?.status };
      },
    );
  }
};

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const m = /^(\d{1,16}):(msg_[0-9a-z]{26})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new HeraldError('HERALD_ERR_MESSAGE_INVALID_CURSOR');
  return { createdAt: Number(m[1]), id: m[2]! };
}
