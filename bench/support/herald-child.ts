// Herald as `herald serve` runs it on one machine, for the benchmarks: API and worker in one
// process (the worker in a worker thread unless HERALD_WORKER_THREAD=off), SQLite (WAL, every
// commit flushed before it is acknowledged) or HERALD_DATABASE_URL, the channels its environment
// configures (the delivery bench: SMPP and RBM to its simulator), the `keys` part and the secure
// channel with development signer keys made in the data directory. Writes an admin key to
// <data dir>/bench.key; prints `READY <port> <key directory verifier key>` once every channel is
// connected.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { generateApiKey } from '../../packages/herald/src/api/api-key.ts';
import { loadConfig } from '../../packages/herald/src/config.ts';
import { startGateway } from '../../packages/herald/src/gateway.ts';
import { Store } from '../../packages/herald/src/storage/store.ts';

const config = loadConfig({ ...process.env, PORT: '0' });
const store = await Store.open(config.databaseUrl);
const tenant = await store.tenants.createTenant('bench');
const { key, hash } = generateApiKey();
await store.tenants.createApiKey(tenant.id, 'admin', 'bench', hash);
await store.close();
writeFileSync(join(config.dataDir, 'bench.key'), key, { mode: 0o600 });

const gw = await startGateway({
  config,
  api: true,
  worker: true,
  sandbox: false,
  workerThread: config.workerThread,
  logger: pino({ level: 'warn' }),
});
// /readyz answers 200 once every channel adapter is connected (the SMPP link bound).
const deadline = Date.now() + 10_000;
while ((await fetch(`${gw.url!}/readyz`)).status !== 200) {
  if (Date.now() > deadline) throw new Error('the channels did not connect');
  await new Promise((r) => setTimeout(r, 50));
}
// A local install makes the key directory's signer in the data directory; devices pin its
// verifier key from configuration, as an operator would hand it out.
const verifierKey = readFileSync(join(config.dataDir, 'keys-signer.pub'), 'utf8').trim();
process.stdout.write(`READY ${new URL(gw.url!).port} ${verifierKey}\n`);
process.on('SIGTERM', () => void gw.close().then(() => process.exit(0)));
