// Benchmark of opening sealed journal records with the archive key on a PKCS#11 token (SoftHSM2,
// in this process) against the key file vault, measured in the same run: both take turns in
// rounds, each pass with a fresh vault (a cold HPKE context cache). Two sealings: one HPKE
// encapsulation per record (every open costs one DH: the worst case for a token), and the
// gateway's default of 64 records per encapsulation. Prints records/s, CPU µs per record
// (process.cpuUsage, which includes SoftHSM's work) and the ratios; never asserts.
//
//   node --import tsx bench/vault/vault.bench.ts [--records 2000] [--rounds 3]
//
// Needs the Debian package softhsm2; makes and removes its own token.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  FileKeyVault,
  RecordSealer,
  type KeyVault,
  type SealedEnvelope,
} from '../../packages/herald/src/journal/index.ts';
import { Pkcs11KeyVault } from '../../packages/herald/src/journal/pkcs11/index.ts';
import { findSoftHsm, initSoftHsmToken } from '../../packages/herald/test/support/softhsm.ts';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } },
});
const N = Number(values.records);
const ROUNDS = Number(values.rounds);

const hsm = findSoftHsm();
if ('skip' in hsm) {
  console.log(`skipped: ${hsm.skip}`);
  process.exit(0);
}
const token = initSoftHsmToken(hsm.modulePath, 'herald-bench');
const dir = mkdtempSync(join(tmpdir(), 'herald-vault-bench-'));
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const config = {
    modulePath: hsm.modulePath,
    tokenLabel: token.tokenLabel,
    keyLabel: 'bench',
    pin: token.pin,
  };
  await (await Pkcs11KeyVault.generate(config)).close();
  const file = await FileKeyVault.generate(join(dir, 'archive.key'));
  const payload = Buffer.from(JSON.stringify({ text: 'x'.repeat(400) }));

  const seal = async (vault: KeyVault, perEnc: number): Promise<SealedEnvelope[]> => {
    const sealer = new RecordSealer(await vault.publicKey(), { recordsPerEncapsulation: perEnc });
    return Array.from({ length: N }, (_, i) => sealer.seal(`jr_${i}`, payload));
  };

  /** One pass: open every record with a fresh vault; wall ms and CPU µs per record. */
  const pass = async (
    open: () => Promise<KeyVault & { close?: () => Promise<void> }>,
    records: SealedEnvelope[],
  ): Promise<{ perSec: number; cpuUs: number }> => {
    const vault = await open();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const r of records) await vault.open(r);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await vault.close?.();
    return { perSec: (records.length / ms) * 1000, cpuUs: (cpu.user + cpu.system) / records.length };
  };

  const fileKey = join(dir, 'archive.key');
  console.log(
    `vault bench: ${fmt(N)} records, ${ROUNDS} rounds, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const perEnc of [1, 64]) {
    // Each vault opens records sealed to its own key.
    const sealing = await Pkcs11KeyVault.open(config);
    const pkcsRecords = await seal(sealing, perEnc);
    await sealing.close();
    const fileRecords = await seal(file, perEnc);
    const f: Array<{ perSec: number; cpuUs: number }> = [];
    const p: Array<{ perSec: number; cpuUs: number }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      f.push(await pass(() => FileKeyVault.load(fileKey), fileRecords));
      p.push(await pass(() => Pkcs11KeyVault.open(config), pkcsRecords));
    }
    const fr = median(f.map((x) => x.perSec));
    const pr = median(p.map((x) => x.perSec));
    const fc = median(f.map((x) => x.cpuUs));
    const pc = median(p.map((x) => x.cpuUs));
    console.log(`\n  ${perEnc} record(s) per HPKE encapsulation (median of ${ROUNDS})`);
    console.log(
      `    file vault     ${fmt(fr).padStart(9)} records/s  ${fmt(fc, 1).padStart(8)} CPU µs/record`,
    );
    console.log(
      `    PKCS#11 vault  ${fmt(pr).padStart(9)} records/s  ${fmt(pc, 1).padStart(8)} CPU µs/record` +
        `   ratio PKCS#11/file: ${(pr / fr).toFixed(2)}x throughput, ${(pc / fc).toFixed(2)}x CPU`,
    );
  }
  console.log(
    `\n  load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  token.dispose();
  rmSync(dir, { recursive: true, force: true });
}
