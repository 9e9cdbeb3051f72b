import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HeraldError } from '../errors/index.ts';
import type { RecordLogs } from '../journal/record-logs.ts';

const Params = Type.Object({ log: Type.Union([Type.Literal('journal'), Type.Literal('audit')]) });

/**
 * `/v1/tlog/:log/…`: the latest signed checkpoint and proofs, for anyone to verify with standard
 * C2SP tools. Public: they reveal sizes and hashes, never records.
 */
export const tlogRoutes: FastifyPluginAsyncTypebox<{ logs: RecordLogs }> = async (app, { logs }) => {
  const pick = (log: 'journal' | 'audit') => (log === 'journal' ? logs.journal.log : logs.audit.log);
  app.get(
    '/v1/tlog/:log/checkpoint',
    { schema: { summary: 'Latest signed checkpoint (C2SP signed note)', tags: ['tlog'], params: Params } },
    async (req, reply) => {
      const note = await pick(req.params.log).checkpoint();
      if (!note)
        throw new HeraldError('HERALD_ERR_API_NOT_FOUND', { method: 'GET', url: req.url.slice(0, 100) });
      return reply.type('text/plain; charset=utf-8').send(note);
    },
  );
  app.get(
    '/v1/tlog/:log/inclusion',
    {
      schema: {
        summary: 'Inclusion proof of a leaf in a tree size',
        tags: ['tlog'],
        params: Params,
        querystring: Type.Object(
          { index: Type.Integer({ minimum: 0 }), size: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => pick(req.params.log).inclusionProof(req.query.index, req.query.size),
  );
  app.get(
    '/v1/tlog/:log/consistency',
    {
      schema: {
        summary: 'Consistency proof between two tree sizes',
        tags: ['tlog'],
        params: Params,
        querystring: Type.Object(
          { from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => pick(req.params.log).consistencyProof(req.query.from, req.query.to),
  );
};
