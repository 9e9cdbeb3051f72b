// MLS engine benchmark: ts-mls 1.6.4 behind Herald's TsMlsEngine, with ts-mls's stock
// WebCrypto/@hpke provider and with Herald's native node:crypto provider, side by side in one run.
//
//   node --import tsx bench/mls/mls.bench.ts                   (groups of 2, 100 and 1,000)
//   MLS_BENCH_SIZES=2,100 node --import tsx bench/mls/mls.bench.ts
//
// Prints rates and stock/native ratios against Node's raw Ed25519 rate measured in the same run;
// asserts nothing (STYLE: benches print, tests assert). The providers take turns (short slices
// for messages, alternating repetitions for commits). Every figure is given as CPU time of this
// process (user + system, all threads, so the stock provider's threadpool work counts) and as
// wall time: on a shared machine other processes inflate wall time but hardly CPU time, so the
// ratios use CPU time.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import os from 'node:os';
import { defaultCryptoProvider, type CryptoProvider } from 'ts-mls';
import { nodeCryptoProvider } from '../../packages/herald/src/e2ee/mls/crypto/node-crypto-provider.ts';
import type {
  MlsCommitOutput,
  MlsExternalJoiner,
  MlsGroupState,
  MlsKeyPackageBundle,
} from '../../packages/herald/src/e2ee/mls/mls-engine.ts';
import { MemoryKeyDirectory } from '../../packages/herald/src/e2ee/mls/mls-test-kit.ts';
import { TsMlsEngine } from '../../packages/herald/src/e2ee/mls/ts-mls-engine.ts';

const SIZES = (process.env['MLS_BENCH_SIZES'] ?? '2,100,1000').split(',').map(Number);
const APP_SECONDS = Number(process.env['MLS_BENCH_APP_SECONDS'] ?? 2);
const PROVIDERS: readonly { name: 'stock' | 'native'; provider: CryptoProvider }[] = [
  { name: 'stock', provider: defaultCryptoProvider },
  { name: 'native', provider: nodeCryptoProvider },
];

const now = (): number => performance.now();
/** CPU milliseconds used by this process so far (all threads). */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
const median = (xs: number[]): number =>
  xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const loadavg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** A measurement: wall and CPU milliseconds. */
interface Cost {
  wall: number;
  cpu: number;
}

/** Runs `step` for `seconds` after a short warm-up: iterations and what they cost. */
async function run(seconds: number, step: () => Promise<void> | void): Promise<{ n: number } & Cost> {
  for (let i = 0; i < 5; i++) await step();
  let n = 0;
  const wall0 = now();
  const cpu0 = cpu();
  while (now() < wall0 + seconds * 1000) {
    await step();
    n++;
  }
  return { n, wall: now() - wall0, cpu: cpu() - cpu0 };
}

async function timed(fn: () => Promise<void>): Promise<Cost> {
  const wall0 = now();
  const cpu0 = cpu();
  await fn();
  return { wall: now() - wall0, cpu: cpu() - cpu0 };
}

/** Node's Ed25519 sign + verify with keys imported once, per CPU second. */
async function ed25519Ceiling(): Promise<number> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = createPublicKey({
    key: publicKey.export({ format: 'der', type: 'spki' }),
    format: 'der',
    type: 'spki',
  });
  const msg = Buffer.alloc(200, 7);
  const r = await run(1, () => {
    if (!verify(null, msg, pub, sign(null, msg, privateKey))) throw new Error('verify failed');
  });
  return r.n / (r.cpu / 1000);
}

const directory = new MemoryKeyDirectory();
const engines = new Map(
  PROVIDERS.map((p) => [
    p.name,
    new TsMlsEngine({ cryptoProvider: p.provider, credentialValidator: directory.validator }),
  ]),
);
// KeyPackages are made once, natively, and used by both providers' groups (separate groups, so
// sharing them here is harmless; a real KeyPackage is used once).
const keyGen = engines.get('native')!;

let devices = 0;
/** Each KeyPackage's device, for re-joining by external commit. */
const owners = new Map<MlsKeyPackageBundle, MlsExternalJoiner>();
async function newKeyPackages(n: number): Promise<MlsKeyPackageBundle[]> {
  const out: MlsKeyPackageBundle[] = [];
  for (let i = 0; i < n; i++) {
    const identity = { userId: `usr_${devices}`, deviceId: `dev_${devices++}` };
    const signer = await keyGen.generateSignatureKeyPair();
    directory.publish(identity, signer.publicKey);
    const bundle = await keyGen.generateKeyPackage(identity, signer);
    owners.set(bundle, { identity, signer });
    out.push(bundle);
  }
  return out;
}

// The Delivery Service, every group's external sender (revocation).
const ds = {
  identity: { userId: 'herald', deviceId: 'delivery-service' },
  signer: await keyGen.generateSignatureKeyPair(),
};
directory.publish(ds.identity, ds.signer.publicKey);

/** Application messages (one member encrypts, the other decrypts) per CPU and per wall second. */
async function applicationMessages(
  kps: MlsKeyPackageBundle[],
): Promise<Map<string, { cpu: number; wall: number }>> {
  const plaintext = new TextEncoder().encode('x'.repeat(200));
  const groups = new Map<string, { a: MlsGroupState; b: MlsGroupState }>();
  for (const { name } of PROVIDERS) {
    const engine = engines.get(name)!;
    const a = await engine.createGroup(kps[0]!);
    const out = await engine.addMembers(a, [kps[1]!.keyPackage]);
    groups.set(name, {
      a: engine.mergePendingCommit(out.pending),
      b: await engine.joinFromWelcome(out.welcome!, kps[1]!),
    });
  }
  const totals = new Map<string, { n: number } & Cost>();
  for (let slice = 0; slice < Math.max(1, Math.round(APP_SECONDS / 0.25)); slice++)
    for (const { name } of PROVIDERS) {
      const engine = engines.get(name)!;
      const g = groups.get(name)!;
      const r = await run(0.25, async () => {
        const sent = await engine.encrypt(g.a, plaintext);
        g.a = sent.state;
        g.b = (await engine.processMessage(g.b, sent.message)).state;
      });
      const t = totals.get(name) ?? { n: 0, wall: 0, cpu: 0 };
      totals.set(name, { n: t.n + r.n, wall: t.wall + r.wall, cpu: t.cpu + r.cpu });
    }
  return new Map(
    [...totals].map(([name, t]) => [name, { cpu: t.n / (t.cpu / 1000), wall: t.n / (t.wall / 1000) }]),
  );
}

interface Bench {
  creator: MlsGroupState;
  follower: MlsGroupState | undefined;
  /** The follower's device. */
  followerDevice: MlsExternalJoiner | undefined;
  build: number;
  phases: { commit: Cost[]; process: Cost[]; welcome: Cost[] };
  /** Revocation: server builds the Remove, a member takes it, commits it, another applies that. */
  revoke: { build: Cost[]; take: Cost[]; commit: Cost[]; apply: Cost[] };
  /**
   * Recovery: GroupInfo, the follower's external join with resync, a member applying it; and,
   * as the baseline, a newcomer joining by Welcome into the same tree.
   */
  rejoin: { groupInfo: Cost[]; join: Cost[]; apply: Cost[]; welcome: Cost[] };
}

/**
 * A group of `size` members: one commit adds everyone but the creator, the first of them joins
 * from that Welcome and follows along. (ts-mls 1.6.4 commits Adds without an UpdatePath, so the
 * parent nodes stay blank: the shape of a freshly built group.)
 */
async function buildGroup(engine: TsMlsEngine, members: MlsKeyPackageBundle[]): Promise<Bench> {
  const t0 = now();
  let creator = await engine.createGroup(members[0]!, {
    externalSenders: [{ identity: ds.identity, signaturePublicKey: ds.signer.publicKey }],
  });
  let follower: MlsGroupState | undefined;
  if (members.length > 1) {
    const bulk = await engine.addMembers(
      creator,
      members.slice(1).map((m) => m.keyPackage),
    );
    creator = engine.mergePendingCommit(bulk.pending);
    follower = await engine.joinFromWelcome(bulk.welcome!, members[1]!);
  }
  return {
    creator,
    follower,
    followerDevice: members[1] === undefined ? undefined : owners.get(members[1]),
    build: now() - t0,
    phases: { commit: [], process: [], welcome: [] },
    revoke: { build: [], take: [], commit: [], apply: [] },
    rejoin: { groupInfo: [], join: [], apply: [], welcome: [] },
  };
}

/**
 * Revokes the group's last leaf: the server's Remove, the follower taking it (the creator takes
 * it untimed), the creator's commit, the follower applying it.
 */
async function revokeLast(engine: TsMlsEngine, g: Bench): Promise<void> {
  const follower = g.follower!;
  const leaf = engine.members(g.creator).at(-1)!.leafIndex;
  let proposal: Uint8Array = new Uint8Array();
  g.revoke.build.push(
    await timed(async () => {
      proposal = await engine.externalRemoveProposal({
        groupId: g.creator.groupId,
        epoch: g.creator.epoch,
        removedLeafIndex: leaf,
        senderIndex: 0,
        signer: ds.signer,
      });
    }),
  );
  let taken: MlsGroupState = follower;
  g.revoke.take.push(
    await timed(async () => {
      taken = (await engine.processMessage(follower, proposal)).state;
    }),
  );
  const creator = (await engine.processMessage(g.creator, proposal)).state;
  let out: MlsCommitOutput | undefined;
  g.revoke.commit.push(
    await timed(async () => {
      out = await engine.commitPending(creator);
    }),
  );
  g.creator = engine.mergePendingCommit(out!.pending);
  g.revoke.apply.push(
    await timed(async () => {
      g.follower = (await engine.processMessage(taken, out!.commit)).state;
    }),
  );
}

/**
 * The follower drops its state and re-joins from the creator's GroupInfo, resyncing its leaf.
 * Baseline: `spare` joins the same tree by Welcome (the Add is never merged).
 */
async function rejoinFollower(engine: TsMlsEngine, g: Bench, spare: MlsKeyPackageBundle): Promise<void> {
  const add = await engine.addMembers(g.creator, [spare.keyPackage]);
  g.rejoin.welcome.push(
    await timed(async () => {
      await engine.joinFromWelcome(add.welcome!, spare);
    }),
  );
  const oldLeafIndex = g.follower!.ownLeafIndex;
  let info: Uint8Array = new Uint8Array();
  g.rejoin.groupInfo.push(
    await timed(async () => {
      info = await engine.groupInfo(g.creator);
    }),
  );
  let joined: Awaited<ReturnType<TsMlsEngine['joinByExternalCommit']>> | undefined;
  g.rejoin.join.push(
    await timed(async () => {
      joined = await engine.joinByExternalCommit(info, g.followerDevice!, { resync: { oldLeafIndex } });
    }),
  );
  g.rejoin.apply.push(
    await timed(async () => {
      g.creator = (await engine.processMessage(g.creator, joined!.commit)).state;
    }),
  );
  g.follower = joined!.state;
}

/** Adds one member: the committer's commit + Welcome, a member processing it, the joiner. */
async function addOne(engine: TsMlsEngine, g: Bench, kp: MlsKeyPackageBundle): Promise<void> {
  let out: MlsCommitOutput | undefined;
  g.phases.commit.push(
    await timed(async () => {
      out = await engine.addMembers(g.creator, [kp.keyPackage]);
    }),
  );
  if (out === undefined) throw new Error('no commit');
  const { commit, welcome, pending } = out;
  g.creator = engine.mergePendingCommit(pending);
  const follower = g.follower;
  if (follower !== undefined)
    g.phases.process.push(
      await timed(async () => {
        g.follower = (await engine.processMessage(follower, commit)).state;
      }),
    );
  g.phases.welcome.push(
    await timed(async () => {
      await engine.joinFromWelcome(welcome!, kp);
    }),
  );
}

async function main(): Promise<void> {
  const started = now();
  const cpus = os.cpus();
  console.log(
    `MLS engine benchmark — ts-mls 1.6.4, suite 0x0001, Node ${process.version}, ${cpus.length} CPU(s) ${cpus[0]?.model ?? ''}`,
  );
  console.log(`load average at start: ${loadavg()}\n`);

  const ceiling = await ed25519Ceiling();
  console.log(
    `Node raw Ed25519 sign+verify, cached KeyObjects: ${fmt(ceiling, 0)} pairs per CPU second (the ceiling)\n`,
  );

  const app = await applicationMessages(await newKeyPackages(2));
  const stockApp = app.get('stock')!;
  const nativeApp = app.get('native')!;
  console.log('Application messages, 2-member group, encrypt + decrypt of 200 bytes:');
  for (const [name, r] of app)
    console.log(
      `  ${name.padEnd(6)} ${fmt(r.cpu, 0).padStart(7)} per CPU s   ${fmt(r.wall, 0).padStart(7)} per wall s`,
    );
  console.log(
    `  native/stock ${fmt(nativeApp.cpu / stockApp.cpu, 1)}× by CPU (${fmt(nativeApp.wall / stockApp.wall, 1)}× by wall)   target ≥ 8×`,
  );
  console.log(
    `  native = ${fmt((nativeApp.cpu / ceiling) * 100, 0)}% of the raw rate (each message costs one sign and one verify)\n`,
  );

  const pool = await newKeyPackages(Math.max(...SIZES));
  const recovery = new Map<number, Map<string, Bench>>();
  console.log('Adding one member — median CPU ms (wall ms): commit = the committer builds commit + Welcome;');
  console.log('process = a member applies the commit; welcome = the new member joins (validates the tree).');
  console.log(
    `${'size'.padStart(5)} ${'provider'.padEnd(8)} ${'build s'.padStart(8)} ${'commit'.padStart(16)} ${'process'.padStart(16)} ${'welcome'.padStart(16)} ${'sum'.padStart(16)}`,
  );
  const cell = (c: Cost): string =>
    Number.isNaN(c.cpu) ? '—'.padStart(16) : `${fmt(c.cpu).padStart(7)} (${fmt(c.wall).padStart(6)})`;
  for (const size of SIZES) {
    const newcomers = await newKeyPackages(size >= 1000 ? 3 : 5);
    const groups = new Map<string, Bench>();
    for (const { name } of PROVIDERS)
      groups.set(name, await buildGroup(engines.get(name)!, pool.slice(0, size)));
    for (const kp of newcomers)
      for (const { name } of PROVIDERS) await addOne(engines.get(name)!, groups.get(name)!, kp);
    const rows = new Map<string, Cost[]>();
    for (const { name } of PROVIDERS) {
      const g = groups.get(name)!;
      const costs = [g.phases.commit, g.phases.process, g.phases.welcome].map((p) => ({
        wall: median(p.map((c) => c.wall)),
        cpu: median(p.map((c) => c.cpu)),
      }));
      rows.set(name, costs);
      const sum = costs.reduce(
        (a, c) => ({
          wall: a.wall + (Number.isNaN(c.wall) ? 0 : c.wall),
          cpu: a.cpu + (Number.isNaN(c.cpu) ? 0 : c.cpu),
        }),
        { wall: 0, cpu: 0 },
      );
      console.log(
        `${String(size).padStart(5)} ${name.padEnd(8)} ${fmt(g.build / 1000).padStart(8)} ${costs.map(cell).join(' ')} ${cell(sum)}`,
      );
    }
    const s = rows.get('stock')!;
    const n = rows.get('native')!;
    const ratios = s
      .map((c, i) => (Number.isNaN(c.cpu) ? '—' : `${fmt(c.cpu / n[i]!.cpu, 1)}×`).padStart(16))
      .join(' ');
    console.log(
      `${''.padStart(5)} ${'ratio'.padEnd(8)} ${''.padStart(8)} ${ratios}   stock/native by CPU (target ≥ 5×)`,
    );
    if (size < 2) continue;
    // As many revocations as newcomers to revoke; re-joins leave the group as it was, so more.
    const [spare] = await newKeyPackages(1);
    for (let i = 0; i < (size >= 1000 ? 2 : 15); i++)
      for (const { name } of PROVIDERS) {
        const engine = engines.get(name)!;
        const g = groups.get(name)!;
        if (i < newcomers.length) await revokeLast(engine, g);
        await rejoinFollower(engine, g, spare!);
      }
    recovery.set(size, groups);
  }

  console.log('\nRevocation and recovery — median CPU ms: the server builds its Remove; a member takes it;');
  console.log('a member commits it (UpdatePath); another applies that commit. A member signs a GroupInfo;');
  console.log('a device re-joins from it by external commit with resync; a member applies the commit.');
  console.log('Baseline: a newcomer joining the same tree by Welcome. After commits with UpdatePaths the');
  console.log("tree's parent nodes are set, and ts-mls 1.6.4's tree validation (every join) grows ~n²");
  console.log('(the native provider answers its repeated tree hashes from a memo; the re-encoding stays).');
  console.log(
    `${'size'.padStart(5)} ${'provider'.padEnd(8)} ${['server', 'take', 'commit', 'apply', 'GroupInfo', 'ext. join', 'apply', 'Welcome'].map((h) => h.padStart(10)).join('')}   ext./Welcome`,
  );
  const med = (cs: Cost[]): number => median(cs.map((c) => c.cpu));
  for (const [size, groups] of recovery)
    for (const { name } of PROVIDERS) {
      const g = groups.get(name)!;
      const cols = [
        ...[g.revoke.build, g.revoke.take, g.revoke.commit, g.revoke.apply].map(med),
        ...[g.rejoin.groupInfo, g.rejoin.join, g.rejoin.apply, g.rejoin.welcome].map(med),
      ];
      // Baseline in the same run: a Welcome join into the same tree.
      const ratio = med(g.rejoin.join) / med(g.rejoin.welcome);
      console.log(
        `${String(size).padStart(5)} ${name.padEnd(8)} ${cols.map((c) => fmt(c, 2).padStart(10)).join('')}${`${fmt(ratio, 2)}×`.padStart(15)}`,
      );
    }
  console.log(
    `\nNode raw Ed25519 at the end: ${fmt(await ed25519Ceiling(), 0)} pairs per CPU second; load average ${loadavg()}`,
  );
  console.log(
    `Target: adding one member to a 1,000-member group < 150 ms (native). Run took ${fmt((now() - started) / 1000, 0)} s.`,
  );
}

await main();
