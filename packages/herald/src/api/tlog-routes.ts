import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HeraldError } from '../errors/index.ts';
import type { RecordLogs } from '../journal/record-logs.ts';
import type { TransparencyLog } from '../journal/transparency-log.ts';

const LOGS = ['journal', 'audit', 'keys'] as const;
const Params = Type.Object({ log: Type.Union(LOGS.map((l) => Type.Literal(l))) });

/**
 * `/v1/tlog/:log/…`: the latest signed checkpoint and proofs, for anyone to verify with standard
 * C2SP tools. Public: they reveal sizes and hashes, never records.
 */
export const tlogRoutes: FastifyPluginAsyncTypebox<{
  logs?: RecordLogs | undefined;
  /** The key directory's log, when this gateway runs the `keys` part. */
  keys?: TransparencyLog | undefined;
}> = async (app, { logs, keys }) => {
  const pick = (log: (typeof LOGS)[number], url: string): TransparencyLog => {
    const found = log === 'keys' ? keys : log === 'journal' ? logs?.journal.log : logs?.audit.log;
    if (!found) throw new HeraldError('HERALD_ERR_API_NOT_FOUND', { method: 'GET', url: url.slice(0, 100) });
    return found;
  };
  app.get(
    '/v1/tlog/:log/checkpoint',
    { schema: { summary: 'Latest signed checkpoint (C2SP signed note)', tags: ['tlog'], params: Params } },
    async (req, reply) => {
      const note = await pick(req.params.log, req.url).checkpoint();
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
    async (req) => pick(req.params.log, req.url).inclusionProof(req.query.index, req.query.size),
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
    async (req) => pick(req.params.log, req.url).consistencyProof(req.query.from, req.query.to),
  );
  app.get(
    '/v1/journal/archive-key',
    {
      schema: {
        summary: 'The archive public key the journal seals to (compare it with your pinned copy)',
        tags: ['tlog'],
        response: { 200: Type.Object({ suite: Type.Literal('x25519'), key: Type.String() }) },
      },
    },
    async (req) => {
      // Public like the checkpoints: a public key. A sender must not take it from here, only
      // compare: a compromised gateway could serve its own key (docs/secure-channel.md).
      if (!logs)
        throw new HeraldError('HERALD_ERR_API_NOT_FOUND', { method: 'GET', url: req.url.slice(0, 100) });
      return { suite: 'x25519' as const, key: Buffer.from(logs.archivePublicKey).toString('base64') };
    },
  );
};
