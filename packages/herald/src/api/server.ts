import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Channel, ChannelAdapter } from '../channels/channel-adapter.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { RecordLogs } from '../journal/record-logs.ts';
import type { ActivePolicy } from '../policy-runtime/active-policy.ts';
import { HeraldError } from '../errors/index.ts';
import type { InboundStore } from '../inbound/inbound-store.ts';
import type { AcceptService } from '../messages/accept-service.ts';
import type { Keys } from '../keys/keys.ts';
import type { SecureChannel } from '../secure/secure-channel.ts';
import { secureRoutes } from '../secure/secure-routes.ts';
import { streamWebsocketOptions } from '../secure/stream-auth.ts';
import type { Store } from '../storage/store.ts';
import { Authenticator } from './auth.ts';
import { registerCors } from './cors.ts';
import { sendError, toHeraldError } from './error-handler.ts';
import { contactsRoutes } from './contacts-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { holdRoutes } from './hold-routes.ts';
import { inboundRoutes } from './inbound-routes.ts';
import { messagesRoutes } from './messages-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { tlogRoutes } from './tlog-routes.ts';
import { usageRoutes } from './usage-routes.ts';
import { policyRoutes } from './policy-routes.ts';
import { providerRoutes } from './provider-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { directoryRoutes } from './directory-routes.ts';
import { keyPackageRoutes } from './key-package-routes.ts';

export interface ApiDeps {
  readonly store: Store;
  readonly accept: AcceptService;
  readonly box: SecretBox;
  /** Problems that make the gateway not ready (empty when ready). */
  readonly readiness: () => Promise<string[]>;
  /** A pino logger (Fastify's `loggerInstance`); none when absent. */
  readonly logger?: FastifyBaseLogger;
  readonly bodyLimit?: number;
  /** The journal and audit logs, whose checkpoints and proofs are public. */
  readonly logs?: RecordLogs;
  /** The policy in force, when it can be changed through the API. */
  readonly policy?: ActivePolicy;
  /** Channel adapters that take provider webhooks (RBM events, DSNs). */
  readonly adapters?: ReadonlyMap<Channel, ChannelAdapter>;
  /** Replies from recipients, readable by their tenant. */
  readonly inbound?: InboundStore;
  /** Devices, KeyPackages and the key directory (the `keys` part), when this gateway serves them. */
  readonly keys?: Keys;
  /** The secure channel's Delivery Service, when this process serves devices. */
  readonly secure?: SecureChannel;
  /** Browser origins allowed to call the API (`HERALD_CORS_ORIGINS`); none by default. */
  readonly corsOrigins?: readonly string[];
}

/**
 * TypeBox validators. Headers are strings already, so their validator skips TypeBox's `Convert`,
 * which copies every header of every request (measured ≈ 1 % of the accept path's event loop).
 */
const validatorCompiler: typeof TypeBoxValidatorCompiler = (route) => {
  if (route.httpPart !== 'headers') return TypeBoxValidatorCompiler(route);
  const check = Compile(route.schema as TSchema);
  return (value: unknown) => (check.Check(value) ? { value } : { error: check.Errors(value) });
};

/** Paths served without an API key. */
const PUBLIC = /^\/(healthz|readyz|openapi\.json|docs|v1\/providers|v1\/tlog)(\/|$|\?)/;

/** Builds the HTTP API: one Fastify plugin per route group, OpenAPI 3.1 from the same schemas. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.bodyLimit ?? 64 * 1024;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit,
    // Never log request bodies or auth headers: they carry content and secrets.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}`,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Herald API', version: '0.1.0', description: 'One API to send a message safely.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.setErrorHandler((err, req, reply) => sendError(reply, toHeraldError(err, req, bodyLimit), req));
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new HeraldError('HERALD_ERR_API_NOT_FOUND', { method: req.method, url: req.url.slice(0, 100) }),
      req,
    ),
  );

  // Both before the authentication hook: a preflight carries no token, and a refused upgrade's
  // socket must be closed (see streamWebsocketOptions).
  await registerCors(app, deps.corsOrigins ?? []);
  if (deps.secure) await app.register(websocket, streamWebsocketOptions);

  const auth = new Authenticator(deps.store.tenants, deps.store.devices);
  app.addHook('onRequest', async (req) => {
    if (PUBLIC.test(req.url) || req.routeOptions.config.public === true) return;
    const caller = await auth.authenticate(req);
    if ('device' in caller) req.device = caller.device;
    else req.principal = caller.principal;
  });

  await app.register(healthRoutes, { ready: deps.readiness });
  await app.register(messagesRoutes, {
    accept: deps.accept,
    messages: deps.store.messages,
    delivery: deps.store.delivery,
  });
  await app.register(webhookRoutes, { webhooks: deps.store.webhooks, box: deps.box });
  await app.register(providerRoutes, { adapters: deps.adapters ?? new Map() });
  if (deps.policy) await app.register(policyRoutes, { policy: deps.policy });
  await app.register(auditRoutes, { db: deps.store.conn.db });
  await app.register(usageRoutes, { db: deps.store.conn.db });
  if (deps.logs || deps.keys)
    await app.register(tlogRoutes, { logs: deps.logs, keys: deps.keys?.directory.log });
  if (deps.keys) {
    await app.register(deviceRoutes, { keys: deps.keys, forgetDevice: (id) => auth.forgetDevice(id) });
    await app.register(keyPackageRoutes, { keyPackages: deps.keys.keyPackages });
    await app.register(directoryRoutes, { directory: deps.keys.directory });
  }
  if (deps.inbound) await app.register(inboundRoutes, { inbound: deps.inbound });
  if (deps.logs)
    await app.register(holdRoutes, { db: deps.store.conn.db, dialect: deps.store.dialect, logs: deps.logs });
  await app.register(contactsRoutes, { contacts: deps.store.contacts });
  if (deps.secure) await app.register(secureRoutes, { channel: deps.secure });
  return app;
}
