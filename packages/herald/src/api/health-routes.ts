import type { FastifyPluginAsync } from 'fastify';
import { HeraldError } from '../errors/index.ts';

/** Liveness and readiness, for orchestrators and load balancers. Unauthenticated, no data. */
export const healthRoutes: FastifyPluginAsync<{ ready: () => Promise<string[]> }> = async (
  app,
  { ready },
) => {
  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async () => {
    const problems = await ready();
    if (problems.length > 0)
      throw new HeraldError('HERALD_ERR_API_UNAVAILABLE', { detail: problems.join('; ') });
    return { status: 'ready' };
  });
};
