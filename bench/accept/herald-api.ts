// Herald's API alone (no worker): auth, validation, decision, sealing and the durable group commit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { generateApiKey } from '../../packages/herald/src/api/api-key.ts';
import { loadConfig } from '../../packages/herald/src/config.ts';
import { startGateway } from '../../packages/herald/src/gateway.ts';
import { Store } from '../../packages/herald/src/storage/store.ts';

const config = loadConfig({ ...process.env, PORT: '0' });
const store = await Store.open(config.databaseUrl);
const tenant = (await store.tenants.findTenantByName('bench')) ?? (await store.tenants.createTenant('bench'));
const { key, hash } = generateApiKey();
await store.tenants.createApiKey(tenant.id, 'sender', 'bench', hash);
await store.close();
writeFileSync(join(config.dataDir, 'bench.key'), key);

const gw = await startGateway({
  config,
  api: true,
  worker: false,
  sandbox: false,
  logger: pino({ level: 'warn' }),
});
process.stdout.write(`READY ${new URL(gw.url!).port}\n`);
process.on('SIGTERM', () => void gw.close().then(() => process.exit(0)));
