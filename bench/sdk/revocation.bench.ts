// Revocation time (issue 6): from an admin's revoke to the device removed from every group, with
// the other members online, against ordinary commits through the same server as the baseline.
//
//   node --import tsx bench/sdk/revocation.bench.ts [--groups 100] [--rounds 3]
//
// A real Herald runs in its own process as `herald serve` runs it (bench/support/herald-child.ts:
// API, worker, SQLite in WAL). This process holds real SDK device clients on the live WebSocket
// stream: per round, alice's phone and laptop and bob's phone, all in --groups groups. Then:
//
// 1. Baseline: alice's phone asks for an ordinary commit (a key refresh: `commitPending` with
//    nothing queued) in every group at once, and the clock runs until the server has accepted
//    all of them and the other two devices have applied them.
// 2. Revocation: the admin revokes alice's laptop (`POST /v1/devices/:id/revoke`) and the clock
//    runs until, in every group, a commit removing it has been accepted in the server's order
//    (the laptop's leaf left the server's roster), then until both remaining devices applied it.
//    Nobody here commits or syncs by hand: the server proposes each Remove as the groups'
//    external sender and the SDK clients, woken by the stream, commit them on their own.
//
// Timings are sampled every 5 ms from the gateway's database (read-only) and the clients' group
// states. CPU: the gateway's process from /proc, the clients' process (three devices and the
// sampler) from process.cpuUsage. The three devices share one process and one core here; in
// production each is its own machine.
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
const ROUNDS = Number(values.rounds ?? 3);
const TIMEOUT_MS = Number(values['timeout-s'] ?? 120) * 1000;
/** The target: under 5 s for 100 groups (scaled linearly for other sizes). */
const TARGET_MS = 5000 * (GROUPS / 100);
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
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One measured phase. */
interface Phase {
  /** From the start to the last group's commit accepted by the server. */
  readonly wallMs: number;
  /** Per group: from the start to its commit accepted. */
  readonly accepted: number[];
  /** From the start until every remaining member had applied every commit. */
  readonly appliedMs: number;
  readonly gatewayCpuMs: number;
  readonly clientsCpuMs: number;
}

interface Rig {
  readonly base: string;
  readonly admin: string;
  readonly verifierKey: string;
  readonly db: Database.Database;
  readonly gatewayPid: number | undefined;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-revocation-bench-'));
  console.log(
    `revocation bench: ${GROUPS} groups, ${ROUNDS} round(s), 3 devices (alice: phone + laptop, bob: phone); ` +
      `load average ${load()}`,
  );
  const gw = await startChild(new URL('../support/herald-child.ts', import.meta.url).href, {
    HERALD_DATA_DIR: dataDir,
    HERALD_LOG_ORIGIN_PREFIX: 'herald.bench',
  });
  const rig: Rig = {
    base: `http://127.0.0.1:${gw.port}`,
    admin: readFileSync(join(dataDir, 'bench.key'), 'utf8').trim(),
    verifierKey: gw.info,
    db: new Database(join(dataDir, 'herald.db'), { readonly: true, fileMustExist: true }),
    gatewayPid: gw.child.pid,
  };
  const results: Array<{ baseline: Phase; revocation: Phase }> = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      results.push(await runRound(rig, round));
    }
  } finally {
    rig.db.close();
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  summarise(results);
  console.log(`load average at the end: ${load()}; processing failures on the clients: ${failures}`);
}

async function runRound(rig: Rig, round: number): Promise<{ baseline: Phase; revocation: Phase }> {
  const devices: DeviceClient[] = [];
  const enroll = async (userId: string, name: string): Promise<DeviceClient> => {
    const res = await fetch(`${rig.base}/v1/enrollment-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rig.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (res.status !== 201) throw new Error(`enrollment token: ${res.status}`);
    const { token } = (await res.json()) as { token: string };
    const d = await createDevice({
      baseUrl: rig.base,
      store: new MemoryStore(),
      directoryVerifierKey: rig.verifierKey,
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
  try {
    // Fresh users each round: a revocation is final.
    const [alice, bobUser] = [`alice-${round}`, `bob-${round}`];
    const phone = await enroll(alice, 'phone');
    const laptop = await enroll(alice, 'laptop');
    const bob = await enroll(bobUser, 'phone');
    const t0 = performance.now();
    const groupIds: string[] = [];
    for (let i = 0; i < GROUPS; i++) {
      groupIds.push(await phone.createGroup([bobUser, alice]));
      if (i % 10 === 9 || i === GROUPS - 1) {
        // The others join as they go, so their inboxes stay short.
        await Promise.all([laptop.sync(), bob.sync()]);
        process.stderr.write(`\r  set-up: ${i + 1}/${GROUPS} groups`);
      }
    }
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
    await sleep(500); // the syncs the streams' first signals started

    const ids = new Set(groupIds);
    const epochs = rig.db.prepare('SELECT group_id AS g, epoch FROM secure_groups');
    const before = new Map((epochs.all() as { g: string; epoch: number }[]).map((r) => [r.g, r.epoch]));
    const baseline = await measure(rig, {
      start: async () => void (await Promise.all(groupIds.map((g) => phone.commitPending(g)))),
      acceptedNow: () => {
        const done = new Set<string>();
        for (const r of epochs.all() as { g: string; epoch: number }[])
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
    });
    report('baseline: an ordinary commit in each group, by the phone, all requested at once', baseline);

    const laptopId = laptop.identity!.deviceId;
    const leaves = rig.db.prepare('SELECT group_id AS g FROM secure_members WHERE device_id = ?');
    const revocation = await measure(rig, {
      start: async () => {
        const res = await fetch(`${rig.base}/v1/devices/${laptopId}/revoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${rig.admin}` },
        });
        if (res.status !== 200) throw new Error(`revoke: ${res.status}`);
      },
      acceptedNow: () => {
        const still = new Set((leaves.all(laptopId) as { g: string }[]).map((r) => r.g));
        return new Set(groupIds.filter((g) => !still.has(g)));
      },
      appliedAll: async () => {
        for (const d of [phone, bob])
          for (const g of groupIds)
            if ((await d.members(g)).some((m) => m.deviceId === laptopId)) return false;
        return true;
      },
    });
    report('revocation: admin revoke → the laptop removed from every group', revocation);
    const met = revocation.wallMs < TARGET_MS;
    console.log(
      `  target under ${s(TARGET_MS)}: ${met ? 'met' : 'NOT MET'}; revocation / baseline ` +
        `${(revocation.wallMs / baseline.wallMs).toFixed(2)}× wall, ${(cpuOf(revocation) / cpuOf(baseline)).toFixed(2)}× CPU`,
    );
    return { baseline, revocation };
  } finally {
    for (const d of devices) await d.close();
  }
}

/** Starts a phase and samples until every group's commit is accepted and applied. */
async function measure(
  rig: Rig,
  p: {
    start: () => Promise<void>;
    acceptedNow: () => Set<string>;
    appliedAll: () => Promise<boolean>;
  },
): Promise<Phase> {
  const gw0 = cpuMs(rig.gatewayPid) ?? NaN;
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
    gatewayCpuMs: (cpuMs(rig.gatewayPid) ?? NaN) - gw0,
    clientsCpuMs: ownCpu() - cpu0,
  };
}

const cpuOf = (p: Phase) => p.gatewayCpuMs + p.clientsCpuMs;

function report(title: string, p: Phase): void {
  console.log(`  ${title}`);
  console.log(
    `    last commit accepted ${s(p.wallMs)}, applied by every remaining member ${s(p.appliedMs)}; ` +
      `per group p50 ${s(quantile(p.accepted, 0.5))}, p99 ${s(quantile(p.accepted, 0.99))}`,
  );
  console.log(
    `    CPU: gateway ${s(p.gatewayCpuMs)}, clients ${s(p.clientsCpuMs)} ` +
      `(${(cpuOf(p) / GROUPS).toFixed(1)} ms per group in all); load average ${load()}`,
  );
}

function summarise(results: ReadonlyArray<{ baseline: Phase; revocation: Phase }>): void {
  const med = (f: (r: { baseline: Phase; revocation: Phase }) => number) => quantile(results.map(f), 0.5);
  const walls = results.map((r) => r.revocation.wallMs);
  const met = walls.filter((w) => w < TARGET_MS).length;
  console.log(`summary over ${results.length} round(s), medians:`);
  console.log(
    `  revocation: last removal accepted ${s(med((r) => r.revocation.wallMs))} ` +
      `(${s(Math.min(...walls))}–${s(Math.max(...walls))}), applied ${s(med((r) => r.revocation.appliedMs))}; ` +
      `CPU gateway ${s(med((r) => r.revocation.gatewayCpuMs))}, clients ${s(med((r) => r.revocation.clientsCpuMs))}`,
  );
  console.log(
    `  baseline: last commit accepted ${s(med((r) => r.baseline.wallMs))}; ` +
      `CPU gateway ${s(med((r) => r.baseline.gatewayCpuMs))}, clients ${s(med((r) => r.baseline.clientsCpuMs))}`,
  );
  console.log(
    `  revocation / baseline: ${med((r) => r.revocation.wallMs / r.baseline.wallMs).toFixed(2)}× wall, ` +
      `${med((r) => cpuOf(r.revocation) / cpuOf(r.baseline)).toFixed(2)}× CPU`,
  );
  console.log(
    `  target (under ${s(TARGET_MS)} for ${GROUPS} groups): met in ${met} of ${results.length} round(s)`,
  );
}

await main();
