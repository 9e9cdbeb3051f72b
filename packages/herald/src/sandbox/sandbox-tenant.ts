import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey, hashApiKey } from '../api/api-key.ts';
import type { Store } from '../storage/store.ts';

/**
 * Makes sure the sandbox tenant exists and `<dataDir>/sandbox.key` holds a working admin key
 * for it. The key file is the only place the key exists (mode 0600); the database has its hash.
 */
export async function ensureSandboxTenant(
  store: Store,
  dataDir: string,
): Promise<{ key: string; created: boolean }> {
  const file = join(dataDir, 'sandbox.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (await store.tenants.findApiKeyByHash(hashApiKey(key))) return { key, created: false };
  }
  const tenant =
    (await store.tenants.findTenantByName('sandbox')) ?? (await store.tenants.createTenant('sandbox'));
  const { key, hash } = generateApiKey();
  await store.tenants.createApiKey(tenant.id, 'admin', 'sandbox', hash);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
