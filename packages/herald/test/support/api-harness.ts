import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generateApiKey } from '../../src/api/api-key.ts';
import { buildApi, type ApiDeps } from '../../src/api/server.ts';
import { SecretBox } from '../../src/crypto/secret-box.ts';
import { AcceptQueue } from '../../src/messages/accept-queue.ts';
import { AcceptService } from '../../src/messages/accept-service.ts';
import { builtinPolicy } from '../../src/policy/builtin-policy.ts';
import type { PolicyEngine } from '../../src/policy/decision.ts';
import type { Role } from '../../src/storage/tenant-store.ts';
import type { Store } from '../../src/storage/store.ts';

/**
 * The HTTP API over a real store, without a worker, for request/response tests: the built-in
 * policy unless the test names one; `keys` and `logs` add those optional parts.
 */
export async function apiHarness(
  store: Store,
  opts: { policy?: PolicyEngine } & Partial<Pick<ApiDeps, 'keys' | 'logs' | 'corsOrigins'>> = {},
): Promise<{
  app: FastifyInstance;
  box: SecretBox;
  keyFor(tenant: string, role: Role): Promise<string>;
}> {
  const box = new SecretBox(randomBytes(32));
  const accept = new AcceptService({
    queue: new AcceptQueue(store.messages),
    store: store.messages,
    policy: () => opts.policy ?? builtinPolicy,
    box,
    retentionClasses: new Set(['standard', '7y']),
    defaultRetention: 'standard',
  });
  const { policy: _policy, ...extra } = opts;
  const app = await buildApi({ store, accept, box, readiness: async () => [], ...extra });
  return {
    app,
    box,
    async keyFor(tenantName, role) {
      const t =
        (await store.tenants.findTenantByName(tenantName)) ?? (await store.tenants.createTenant(tenantName));
      const { key, hash } = generateApiKey();
      await store.tenants.createApiKey(t.id, role, role, hash);
      return key;
    },
  };
}
