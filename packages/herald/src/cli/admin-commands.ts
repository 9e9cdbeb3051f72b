import { parseArgs } from 'node:util';
import { generateApiKey } from '../api/api-key.ts';
import { loadConfig } from '../config.ts';
import { HeraldError } from '../errors/index.ts';
import { ROLES, type Role } from '../storage/tenant-store.ts';
import { withStore } from './with-store.ts';

/** `herald migrate`. */
export async function migrateCommand(out: (s: string) => void): Promise<number> {
  await withStore(loadConfig().databaseUrl, async () => {});
  out('Database schema is up to date.');
  return 0;
}

/** `herald tenants create <name>` and `herald tenants list`. */
export async function tenantsCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, name] = argv;
  return withStore(loadConfig().databaseUrl, async (store) => {
    if (sub === 'create' && name) {
      const t = await store.tenants.createTenant(name);
      out(`${t.id}\t${t.name}`);
      return 0;
    }
    if (sub === 'list') {
      for (const t of await store.tenants.listTenants())
        out(`${t.id}\t${t.name}\t${new Date(t.createdAt).toISOString()}`);
      return 0;
    }
    process.stderr.write('usage: herald tenants create <name> | list\n');
    return 2;
  });
}

/** `herald keys create|list|revoke`: a new key is printed once and stored only as a hash. */
export async function keysCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
  });
  const [sub, id] = positionals;
  if (!values.tenant) {
    process.stderr.write('--tenant <name> is required\n');
    return 2;
  }
  return withStore(loadConfig().databaseUrl, async (store) => {
    const tenant = await store.tenants.findTenantByName(values.tenant!);
    if (!tenant) throw new HeraldError('HERALD_ERR_TENANT_NOT_FOUND', { id: values.tenant! });
    if (sub === 'create') {
      const role = values.role ?? 'sender';
      if (!(ROLES as readonly string[]).includes(role))
        throw new HeraldError('HERALD_ERR_KEY_INVALID_ROLE', { role });
      const { key, hash } = generateApiKey();
      const rec = await store.tenants.createApiKey(tenant.id, role as Role, values.name ?? role, hash);
      out(
        `key id: ${rec.id}\nrole:   ${rec.role}\nkey:    ${key}\n\nThis key is shown once. Herald keeps only its hash.`,
      );
      return 0;
    }
    if (sub === 'list') {
      for (const k of await store.tenants.listApiKeys(tenant.id)) {
        out(`${k.id}\t${k.role}\t${k.name}\t${k.revokedAt ? 'revoked' : 'active'}`);
      }
      return 0;
    }
    if (sub === 'revoke' && id) {
      const ok = await store.tenants.revokeApiKey(tenant.id, id);
      out(ok ? `revoked ${id}` : `no active key ${id}`);
      return ok ? 0 : 1;
    }
    process.stderr.write('usage: herald keys create|list|revoke --tenant <name> ...\n');
    return 2;
  });
}
