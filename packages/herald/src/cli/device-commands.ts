import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { HeraldError } from '../errors/index.ts';
import { issueEnrollmentToken } from '../keys/enrollment-tokens.ts';
import { withStore } from './with-store.ts';

const USAGE =
  'usage: herald devices enroll-token --tenant <name> --user <id> [--ttl <seconds>] | list --tenant <name> [--user <id>]\n';

/**
 * `herald devices enroll-token|list`: an operator on the gateway's host issues a one-time
 * enrollment token (printed once, stored as a hash, an audit event by `cli`) or lists devices.
 */
export async function devicesCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' } },
  });
  const [sub] = positionals;
  if (
    !values.tenant ||
    (sub === 'enroll-token' && !values.user) ||
    (sub !== 'enroll-token' && sub !== 'list')
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  return withStore(loadConfig().databaseUrl, async (store) => {
    const tenant = await store.tenants.findTenantByName(values.tenant!);
    if (!tenant) throw new HeraldError('HERALD_ERR_TENANT_NOT_FOUND', { id: values.tenant! });
    if (sub === 'list') {
      for (const d of await store.devices.list(tenant.id, values.user))
        out(`${d.id}\t${d.userId}\t${d.name}\t${d.status}\t${d.managed ? 'managed' : 'unmanaged'}`);
      return 0;
    }
    const t = await issueEnrollmentToken(
      store.tx,
      { id: 'cli', role: 'operator', tenantId: tenant.id },
      { userId: values.user!, ...(ttl !== undefined ? { ttlSeconds: ttl } : {}) },
    );
    out(
      `user:    ${t.userId}\nexpires: ${new Date(t.expiresAt).toISOString()}\ntoken:   ${t.token}\n\nThis one-time token is shown once. Herald keeps only its hash.`,
    );
    return 0;
  });
}
