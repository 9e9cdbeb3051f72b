// Benchmark of the `keys` part through its services (no HTTP): enrollment, KeyPackage upload and
// claims, and sequencing the key directory log, on SQLite (WAL) and, when HERALD_TEST_PG_URL is
// set, on a throwaway PostgreSQL database. Each figure has a baseline measured in the same run on
// the same database. Prints figures and ratios; never asserts.
//
//   node --import tsx bench/keys/keys.bench.ts [devices=300] [keyPackages=2000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createNodeMlsEngine } from '../../packages/herald/src/e2ee/mls/node-mls-engine.ts';
import type { MlsSignatureKeyPair } from '../../packages/herald/src/e2ee/mls/mls-engine.ts';
import type { TenantId } from '../../packages/herald/src/ids.ts';
import { deviceSignatureKeys } from '../../packages/herald/src/keys/device-signature-keys.ts';
import { issueEnrollmentToken } from '../../packages/herald/src/keys/enrollment-tokens.ts';
import { uploadCredentialValidator } from '../../packages/herald/src/keys/key-packages.ts';
import { createKeys } from '../../packages/herald/src/keys/keys.ts';
import { Store } from '../../packages/herald/src/storage/store.ts';
import { generateNoteKey, parseSignerKey } from '../../packages/herald/src/tlog/index.ts';

const DEVICES = Number(process.argv[2] ?? 300);
const KPS = Number(process.argv[3] ?? 2000);
const CONCURRENCY = 32;

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const row = (name: string, value: string, ratio = ''): void =>
  console.log(`  ${name.padEnd(50)} ${value.padStart(14)}  ${ratio}`);
const rate = (n: number, ms: number): number => (n / ms) * 1000;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
/** Runs `n` tasks with at most `c` in flight. */
async function pool(n: number, c: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

async function bench(name: string, store: Store): Promise<void> {
  console.log(`\n${name}`);
  const engine = createNodeMlsEngine({
    credentialValidator: uploadCredentialValidator(deviceSignatureKeys(store.conn.db)),
  });
  const keys = createKeys(store, {
    origin: 'bench.herald/keys',
    signer: parseSignerKey(generateNoteKey('bench.herald/keys').signerKey),
    engine,
  });
  const tenant = await store.tenants.createTenant(`bench-${Date.now()}`);
  const actor = { id: 'bench', role: 'admin', tenantId: tenant.id as TenantId };

  // Baseline for enrollment: issuing a token (one insert and its audit event in a transaction).
  const tokens: string[] = [];
  const issueMs = await timed(async () => {
    for (let i = 0; i < DEVICES; i++)
      tokens.push((await issueEnrollmentToken(store.tx, actor, { userId: `u${i % 50}` })).token);
  });
  const signers: MlsSignatureKeyPair[] = [];
  for (let i = 0; i < DEVICES; i++) signers.push(await engine.generateSignatureKeyPair());
  const ids: string[] = [];
  const enrollMs = await timed(() =>
    pool(DEVICES, CONCURRENCY, async (i) => {
      const e = await keys.enrollment.enroll({
        enrollmentToken: tokens[i]!,
        signatureKey: signers[i]!.publicKey,
      });
      ids[i] = e.device.id;
    }),
  );
  const issueRate = rate(DEVICES, issueMs);
  row('issue enrollment token (baseline, sequential)', `${fmt(issueRate)}/s`);
  const enrollRate = rate(DEVICES, enrollMs);
  row(
    `enroll (token + device + entry + audit, ${CONCURRENCY} in flight)`,
    `${fmt(enrollRate)}/s`,
    `${fmt(enrollRate / issueRate, 2)}×`,
  );

  // KeyPackages of one device: validation alone is the baseline of an upload.
  const device = { tenantId: tenant.id as TenantId, userId: 'u0', deviceId: ids[0]! };
  const kps: Uint8Array[] = [];
  for (let i = 0; i < KPS; i++)
    kps.push((await engine.generateKeyPackage({ userId: 'u0', deviceId: ids[0]! }, signers[0]!)).keyPackage);
  const probe = kps.slice(0, 500);
  const validateMs = await timed(async () => {
    for (const kp of probe) await engine.validateKeyPackage(kp);
  });
  const validateRate = rate(probe.length, validateMs);
  row('validate one KeyPackage (baseline)', `${fmt(validateRate)}/s`);
  const uploadMs = await timed(async () => {
    for (let i = 0; i < KPS; i += 100) {
      await keys.keyPackages.upload(device, { keyPackages: kps.slice(i, i + 100) });
      // Stay under the 500-held bound: the claim below drains them.
      if ((i / 100) % 5 === 4) await drain(store, ids[0]!);
    }
  });
  const uploadRate = rate(KPS, uploadMs);
  row(
    'upload, 100 per call (validate + store)',
    `${fmt(uploadRate)} KP/s`,
    `${fmt(uploadRate / validateRate, 2)}×`,
  );

  // Claims: every other device uploads KeyPackages, then devices claim each other's users.
  const perDevice = Math.max(1, Math.floor(KPS / DEVICES));
  for (let d = 1; d < DEVICES; d++) {
    const owner = { tenantId: tenant.id as TenantId, userId: `u${d % 50}`, deviceId: ids[d]! };
    const batch = [];
    for (let k = 0; k < perDevice; k++)
      batch.push(
        (await engine.generateKeyPackage({ userId: owner.userId, deviceId: owner.deviceId }, signers[d]!))
          .keyPackage,
      );
    await keys.keyPackages.upload(owner, { keyPackages: batch });
  }
  // Baseline: one indexed read of a device row in a transaction (the floor of any claim).
  const probes = 1000;
  const readMs = await timed(async () => {
    for (let i = 0; i < probes; i++)
      await store.tx.run((trx) =>
        trx
          .selectFrom('devices')
          .select('status')
          .where('id', '=', ids[i % DEVICES]!)
          .executeTakeFirst(),
      );
  });
  const readRate = rate(probes, readMs);
  row('indexed read in a transaction (baseline)', `${fmt(readRate)}/s`);
  const claimer = { tenantId: tenant.id as TenantId, userId: 'u0', deviceId: ids[0]! };
  // Each claim names one of 49 users; no device runs out, so every claim hands a full set.
  const claims = Math.min(1000, 49 * perDevice);
  let handed = 0;
  const claimMs = await timed(() =>
    pool(claims, CONCURRENCY, async (i) => {
      const r = await keys.keyPackages.claim(claimer, [`u${1 + (i % 49)}`]);
      handed += r.devices.length;
    }),
  );
  const claimRate = rate(claims, claimMs);
  row(
    `claim one user's devices (${fmt((DEVICES - 1) / Math.min(50, DEVICES), 1)} each, ${CONCURRENCY} in flight)`,
    `${fmt(claimRate)}/s`,
    `${fmt(claimRate / readRate, 2)}×`,
  );
  row('  KeyPackages handed out per second', `${fmt(rate(handed, claimMs))}/s`);

  // Sequencing the key directory log (one leaf per enrollment above).
  const seqMs = await timed(() => keys.directory.log.sequenceAll());
  row('sequence the directory log (leaves + signed checkpoint)', `${fmt(rate(DEVICES, seqMs))} leaves/s`);
}

/** Drops the database once no connection uses it (waits up to 5 s). */
async function dropWhenFree(admin: pg.Client, name: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const r = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    if ((r.rows[0] as { n: number }).n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
}

async function drain(store: Store, deviceId: string): Promise<void> {
  await store.conn.db
    .updateTable('key_packages')
    .set({ state: 'claimed' })
    .where('device_id', '=', deviceId)
    .execute();
}

console.log(
  `keys benchmark: ${fmt(DEVICES)} devices, ${fmt(KPS)} KeyPackages, node ${process.version}, ${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const dir = mkdtempSync(join(tmpdir(), 'herald-keys-bench-'));
try {
  const sqlite = await Store.open(join(dir, 'herald.db'));
  await bench('SQLite (WAL, grouped commits)', sqlite);
  await sqlite.close();
  const base = process.env.HERALD_TEST_PG_URL;
  if (base) {
    const name = `herald_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(base);
    u.pathname = `/${name}`;
    const store = await Store.open(u.toString(), { poolSize: 10 });
    try {
      await bench('PostgreSQL (pool of 10)', store);
    } finally {
      await store.close();
      // Without FORCE: a pool connection still closing must not be killed under the pool's feet.
      await dropWhenFree(admin, name);
      await admin.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
