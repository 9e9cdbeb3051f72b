import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * Lets browser apps on the listed origins call the API (device clients in a web app). Off unless
 * origins are listed: the API is then same-origin only, as browsers default to. Credentials are
 * bearer tokens the page sets itself, never cookies, so no `Access-Control-Allow-Credentials`.
 * Registered before authentication, so a preflight (which carries no token) is answered here.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: [...origins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key'],
    // Headers the SDK reads besides the safelisted ones.
    exposedHeaders: ['idempotent-replayed', 'retry-after'],
    maxAge: 600,
  });
}
