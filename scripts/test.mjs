// Runs every test file with Node's test runner. Unit tests sit beside the code
// (`*.test.ts` under src/, and beside the benchmarks' own logic under bench/), tests that start
// servers or databases under test/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = [...find('packages'), ...find('bench')]
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
// Spec output for people, TAP to a file for the closing summary line.
const tap = join(mkdtempSync(join(tmpdir(), 'herald-test-')), 'results.tap');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
const summary = readFileSync(tap, 'utf8');
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(summary)?.[1] ?? 0);
// A cancelled test (its file crashed or timed out) did not pass: it is counted as failed.
console.log(
  `${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped')} skipped` +
    (count('cancelled') > 0 ? ` (${count('cancelled')} of the failed were cancelled)` : ''),
);
process.exit(r.status ?? 1);
