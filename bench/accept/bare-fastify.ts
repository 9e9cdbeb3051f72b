// The baseline: a bare Fastify route that parses the same JSON body and answers 202.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
let n = 0;
app.post('/v1/messages', async (req, reply) => {
  const body = req.body as { to: string };
  return reply.code(202).send({ id: `msg_${++n}`, status: 'accepted', to: body.to.length });
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
