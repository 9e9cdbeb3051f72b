// Revocation time (issue 6): from an admin's revoke to the device removed from every group, with
// the other members online, against ordinary commits through the same server as the baseline.
//
//   node --import tsx bench/sdk/revocation.bench.ts [--groups 100] [--rounds 1]
//
// A real Herald runs in its own process as `herald serve` runs it (bench/sdk/gateway-child.ts:
// API, worker, SQLite in WAL). This process holds three real SDK device clients, each on the
// live WebSocket stream: alice's phone and laptop, bob's phone, all in --groups groups. Then:
//
// 1. Baseline: alice's phone refreshes its keys in every group (an empty commit each, as
//    `commitPending` does with nothing queued), one after another, and the clock runs until the
//    server has accepted all of them and the other two devices have applied them.
// 2. Revocation: the admin revokes alice's laptop (`POST /v1/devices/:id/revoke`) and the clock
//    runs until, in every group, a commit removing it has been accepted in the server's order
//    (the laptop's leaf left the server's roster) and the two remaining devices have applied it.
//    Nobody here commits by hand: the server proposes each Remove as the groups' external sender
//    and the online SDK clients commit them on their own, as they do in production.
//
// Prints wall time, p50/p99 per group, CPU of the gateway and of the clients, the target (under
// 5 s for 100 groups) and the ratio to the baseline. Timings are sampled every few milliseconds
// from the gateway's database (read-only) and the clients' group states.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { createDevice, type DeviceClient } from '../../packages/sdk/src/device/device-client.ts';
import { isHeraldApiError } from '../../packages/sdk/src/errors/api-error.ts';
import { headerWebSocket, nodeMlsEngine, type HeaderWebSocketClass } from '../../packages/sdk/src/node.ts';
import { MemoryStore } from '../../packages/sdk/src/store/memory-store.ts';
import { startChild } from '../support/child-server.ts';
import { cpuMs } from '../support/process-cpu.ts';

const { values } = parseArgs({
  options: {
    groups: { type: 'string' },
    rounds: { type: 'string' },
    'timeout-s': { type: 'string' },
  },
});
const GROUPS = Number(values.groups ?? 100);
const ROUNDS = Number(values.rounds ?? 1);
const TIMEOUT_MS = Number(values['timeout-s'] ?? 120) * 1000;
const TARGET_S = 5 * (GROUPS / 100);
const SAMPLE_MS = 5;
let failures = 0;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Phase {
  readonly wallMs: number;
  /** Per group: ms from the start to the server accepting the commit. */
  readonly accepted: number[];
  /** Ms from the start until every remaining member had applied every commit. */
  readonly appliedMs: number;
  readonly gatewayCpuMs: number;
  readonly clientsCpuMs: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-revocation-bench-'));
  console.log(`revocation bench: ${GROUPS} groups, ${ROUNDS} round(s); load average ${load()}`);
  const gw = await startChild(new URL('./gateway-child.ts', import.meta.url).href, {
    HERALD_DATA_DIR: dataDir,
    HERALD_LOG_ORIGIN_PREFIX: 'herald.bench',
  });
  const base = `http://127.0.0.1:${gw.port}`;
  const verifierKey = gw.info;
  const admin = readFileSync(join(dataDir, 'bench.key'), 'utf8').trim();
  const db = new Database(join(dataDir, 'herald.db'), { readonly: true, fileMustExist: true });
  const devices: DeviceClient[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const enroll = async (userId: string, name: string): Promise<DeviceClient> => {
        const res = await fetch(`${base}/v1/enrollment-tokens`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ userId }),
        });
        if (res.status !== 201) throw new Error(`enrollment token: ${res.status}`);
        const { token } = (await res.json()) as { token: string };
        const d = await createDevice({
          baseUrl: base,
          store: new MemoryStore(),
          directoryVerifierKey: verifierKey,
          mlsEngine: nodeMlsEngine,
          webSocket: headerWebSocket(WebSocket as unknown as HeaderWebSocketClass),
        });
        await d.enroll({ enrollmentToken: token, name });
        d.onFailure((f) => {
          // The revoked laptop is refused from the moment of its revocation: expected.
          if (isHeraldApiError(f.error, 'HERALD_ERR_DEVICE_INACTIVE')) return;
          failures++;
          console.error(`  ${userId}/${name}: ${f.kind} failed: ${f.error.message}`);
        });
        devices.push(d);
        return d;
      };
      const suffix = ROUNDS > 1 ? `-${round}` : '';
      const phone = await enroll(`alice${suffix}`, 'phone');
      const laptop = await enroll(`alice${suffix}`, 'laptop');
      const bob = await enroll(`bob${suffix}`, 'phone');
      const t0 = performance.now();
      const groupIds: string[] = [];
      for (let i = 0; i < GROUPS; i++) {
        groupIds.push(await phone.createGroup([`bob${suffix}`, `alice${suffix}`]));
        if (i % 10 === 9) {
          // The others join as they go, so the server's queue of Welcomes stays short.
          await Promise.all([laptop.sync(), bob.sync()]);
          process.stderr.write(`\r  set-up: ${i + 1}/${GROUPS} groups`);
        }
      }
      await Promise.all([laptop.sync(), bob.sync()]);
      for (const d of [laptop, bob])
        if ((await d.groups()).filter((g) => g.active).length !== GROUPS)
          throw new Error('a member did not join every group');
      process.stderr.write(`\r  set-up: ${GROUPS} groups in ${s(performance.now() - t0)}\n`);
      for (const d of [phone, laptop, bob]) d.startLive();
      const live = Date.now() + 10_000;
      while (![phone, laptop, bob].every((d) => d.streaming)) {
        if (Date.now() > live) throw new Error('the devices did not get on the stream');
        await sleep(20);
      }
      await sleep(200); // let the first signals' syncs settle

      const epochOf = db.prepare('SELECT group_id AS g, epoch FROM secure_groups');
      const leavesOf = db.prepare('SELECT group_id AS g FROM secure_members WHERE device_id = ?');
      const ids = new Set(groupIds);

      // 1. Baselines: an ordinary commit in every group, by the phone, through the public API.
      const ordinary = async (title: string, all: () => Promise<void>): Promise<Phase> => {
        const before = new Map((epochOf.all() as { g: string; epoch: number }[]).map((r) => [r.g, r.epoch]));
        const phase = await measure({
          start: all,
          acceptedNow: () => {
            const done = new Set<string>();
            for (const r of epochOf.all() as { g: string; epoch: number }[])
              if (ids.has(r.g) && r.epoch > before.get(r.g)!) done.add(r.g);
            return done;
          },
          appliedAll: async () => {
            const want = new Map((await phone.groups()).map((g) => [g.groupId, g.epoch]));
            for (const d of [laptop, bob])
              for (const g of await d.groups())
                if (ids.has(g.groupId) && g.epoch < want.get(g.groupId)!) return false;
            return true;
          },
          gatewayPid: gw.child.pid,
        });
        report(title, phase);
        return phase;
      };
      await ordinary(
        'baseline A: an ordinary commit in each group, one after another (commitPending)',
        async () => {
          for (const g of groupIds) await phone.commitPending(g);
        },
      );
      const baseline = await ordinary(
        'baseline B: an ordinary commit in each group, all requested at once (commitPending)',
        async () => void (await Promise.all(groupIds.map((g) => phone.commitPending(g)))),
      );

      // 2. Revocation.
      const laptopId = laptop.identity!.deviceId;
      const revocation = await measure({
        start: async () => {
          const res = await fetch(`${base}/v1/devices/${laptopId}/revoke`, {
            method: 'POST',
            headers: { authorization: `Bearer ${admin}` },
          });
          if (res.status !== 200) throw new Error(`revoke: ${res.status}`);
        },
        acceptedNow: () => {
          const still = new Set((leavesOf.all(laptopId) as { g: string }[]).map((r) => r.g));
          return new Set(groupIds.filter((g) => !still.has(g)));
        },
        appliedAll: async () => {
          for (const d of [phone, bob])
            for (const g of groupIds)
              if ((await d.members(g)).some((m) => m.deviceId === laptopId)) return false;
          return true;
        },
        gatewayPid: gw.child.pid,
      });
      report('revocation: admin revoke → the laptop removed from every group', revocation);
      const met = revocation.wallMs < TARGET_S * 1000;
      console.log(
        `  target: under ${TARGET_S} s for ${GROUPS} groups — ${met ? 'MET' : 'NOT MET'} (${s(revocation.wallMs)} to the last accepted removal)`,
      );
      console.log(
        `  revocation / baseline B: ${(revocation.wallMs / baseline.wallMs).toFixed(2)}× wall, ` +
          `${((revocation.gatewayCpuMs + revocation.clientsCpuMs) / (baseline.gatewayCpuMs + baseline.clientsCpuMs)).toFixed(2)}× CPU (gateway + clients)`,
      );
      for (const d of devices.splice(0)) await d.close();
    }
  } finally {
    for (const d of devices) await d.close();
    db.close();
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`load average at the end: ${load()}; processing failures on the clients: ${failures}`);
}

/** Starts a phase and samples until every group's commit is accepted and applied. */
async function measure(p: {
  start: () => Promise<void>;
  acceptedNow: () => Set<string>;
  appliedAll: () => Promise<boolean>;
  gatewayPid: number | undefined;
}): Promise<Phase> {
  const gw0 = cpuMs(p.gatewayPid) ?? NaN;
  const cpu0 = ownCpu();
  const t0 = performance.now();
  const started = p.start();
  let failed: unknown;
  started.catch((err: unknown) => (failed = err));
  const accepted = new Map<string, number>();
  let lastAccepted = NaN;
  for (;;) {
    if (failed !== undefined) throw failed;
    const now = performance.now() - t0;
    if (now > TIMEOUT_MS) throw new Error(`timed out with ${accepted.size}/${GROUPS} groups accepted`);
    for (const g of p.acceptedNow()) if (!accepted.has(g)) accepted.set(g, now);
    if (accepted.size === GROUPS) {
      if (Number.isNaN(lastAccepted)) lastAccepted = now;
      if (await p.appliedAll()) break;
    }
    await sleep(SAMPLE_MS);
  }
  const appliedMs = performance.now() - t0;
  await started;
  return {
    wallMs: lastAccepted,
    accepted: [...accepted.values()],
    appliedMs,
    gatewayCpuMs: (cpuMs(p.gatewayPid) ?? NaN) - gw0,
    clientsCpuMs: ownCpu() - cpu0,
  };
}

function report(title: string, p: Phase): void {
  console.log(title);
  console.log(
    `  last commit accepted ${s(p.wallMs)}; applied by every remaining member ${s(p.appliedMs)}; ` +
      `per group p50 ${s(quantile(p.accepted, 0.5))}, p99 ${s(quantile(p.accepted, 0.99))}`,
  );
  console.log(
    `  CPU: gateway ${s(p.gatewayCpuMs)}, clients ${s(p.clientsCpuMs)} ` +
      `(${(p.clientsCpuMs / GROUPS).toFixed(1)} ms per group); load average ${load()}`,
  );
}

await main();
