// bench/accept: POST /v1/messages on Herald (auth, validation, decision, durable commit) against
// a bare Fastify route measured in the same run on the same machine. Prints the ratio.
//   node --import tsx bench/accept/accept.bench.ts [--seconds 10] [--connections 64]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuMs, mainThreadCpuMs } from '../support/process-cpu.ts';
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

// CPU time per answered request of the server's process (all its threads) and of its event loop
// thread alone, from /proc: unlike throughput they keep their meaning when other work loads the
// machine, and the event loop's share bounds what one Node process can answer.
async function load(port: number, pid: number | undefined, key?: string) {
  const cpu0 = cpuMs(pid);
  const loop0 = mainThreadCpuMs(pid);
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/v1/messages`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  const ok = r['2xx'];
  const perRequest = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || ok === 0 ? NaN : ((b - a) * 1000) / ok;
  const cpuUs = perRequest(cpu0, cpuMs(pid));
  const loopUs = perRequest(loop0, mainThreadCpuMs(pid));
  return {
    rps: ok / duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors,
    cpuUs,
    loopUs,
  };
}

const dir = mkdtempSync(join(process.env.HERALD_BENCH_DIR ?? tmpdir(), 'herald-bench-'));
const rounds = Number(process.env.HERALD_BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  // Both servers run side by side and take turns, so a noisy neighbour hits both alike.
  const bare = await startChild(new URL('./bare-fastify.ts', import.meta.url).href);
  const herald = await startChild(new URL('./herald-api.ts', import.meta.url).href, { HERALD_DATA_DIR: dir });
  const key = readFileSync(join(dir, 'bench.key'), 'utf8');
  const bp = bare.child.pid;
  const hp = herald.child.pid;
  await load(bare.port, bp);
  await load(herald.port, hp, key);
  const b: Array<Awaited<ReturnType<typeof load>>> = [];
  const h: Array<Awaited<ReturnType<typeof load>>> = [];
  for (let r = 0; r < rounds; r++) {
    b.push(await load(bare.port, bp));
    h.push(await load(herald.port, hp, key));
  }
  await bare.stop();
  await herald.stop();

  const summary = (xs: typeof h) => ({
    rps: median(xs.map((x) => x.rps)),
    p50: median(xs.map((x) => x.p50)),
    p99: median(xs.map((x) => x.p99)),
    errors: xs.reduce((n, x) => n + x.errors, 0),
    cpuUs: median(xs.map((x) => x.cpuUs)),
    loopUs: median(xs.map((x) => x.loopUs)),
  });
  const row = (name: string, x: ReturnType<typeof summary>) =>
    `${name.padEnd(34)} ${x.rps.toFixed(0).padStart(8)} req/s   p50 ${String(x.p50).padStart(4)} ms   p99 ${String(x.p99).padStart(4)} ms   CPU ${x.cpuUs.toFixed(0).padStart(4)} µs/req (event loop ${x.loopUs.toFixed(0).padStart(4)})   non-2xx ${x.errors}`;
  console.log(
    `accept benchmark: ${connections} connections, ${rounds} interleaved rounds of ${duration} s, medians; SQLite WAL, fsync before every answer`,
  );
  console.log(row('bare Fastify (baseline)', summary(b)));
  console.log(row('Herald POST /v1/messages', summary(h)));
  const ratios = h.map((x, i) => x.rps / b[i]!.rps);
  console.log(
    `ratio Herald / bare Fastify: ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ 0.40)`,
  );
  console.log(
    `CPU per request, bare Fastify / Herald: ${(summary(b).cpuUs / summary(h).cpuUs).toFixed(2)} (load average ${loadavg()[0]!.toFixed(1)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
