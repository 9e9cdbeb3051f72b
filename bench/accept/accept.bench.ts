// bench/accept: POST /v1/messages on Herald (auth, validation, decision, durable commit) against
// a bare Fastify route measured in the same run on the same machine. Prints the ratio.
//   node --import tsx bench/accept/accept.bench.ts [--seconds 10] [--connections 64]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startChild } from '../support/child-server.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '64' } },
});
const duration = Number(values.seconds);
const connections = Number(values.connections);
const body = JSON.stringify({
  to: '+15550000001',
  content: { text: 'Your code is 123456' },
  classification: 'internal',
  labels: { purpose: 'otp' },
});

async function load(port: number, key?: string) {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/v1/messages`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  const ok = r['2xx'];
  return { rps: ok / duration, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors };
}

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
try {
  const bare = await startChild(new URL('./bare-fastify.ts', import.meta.url).href);
  await load(bare.port); // warm-up is part of measuring fairly: both get one
  const baseline = await load(bare.port);
  await bare.stop();

  const herald = await startChild(new URL('./herald-api.ts', import.meta.url).href, { HERALD_DATA_DIR: dir });
  const key = readFileSync(join(dir, 'bench.key'), 'utf8');
  await load(herald.port, key);
  const h = await load(herald.port, key);
  await herald.stop();

  const row = (name: string, x: typeof h) =>
    `${name.padEnd(34)} ${x.rps.toFixed(0).padStart(8)} req/s   p50 ${String(x.p50).padStart(4)} ms   p99 ${String(x.p99).padStart(4)} ms   non-2xx ${x.errors}`;
  console.log(
    `accept benchmark: ${connections} connections, ${duration} s each, SQLite WAL synchronous=FULL`,
  );
  console.log(row('bare Fastify (baseline)', baseline));
  console.log(row('Herald POST /v1/messages', h));
  console.log(`ratio Herald / bare Fastify: ${(h.rps / baseline.rps).toFixed(2)} (target ≥ 0.40)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
