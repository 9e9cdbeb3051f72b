import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Channel } from './decision.ts';
import { isHeraldError } from '../errors/index.ts';
import {
  CLASSIFICATIONS,
  type Classification,
  type MessageFacts,
  type RecipientContext,
} from './decision.ts';
import { explainDecision } from './explain.ts';
import { POLICY_CHANNELS } from './tiers.ts';
import { tryLoadPolicy } from './load-policy.ts';
import type { CompiledPolicy } from './compiled-policy.ts';
import { recipientKindOf, type PolicyCase } from './policy-case.ts';
import { diagnosticsOf, formatDiagnostic } from './policy-diagnostics.ts';
import { formatCaseReport, loadPolicyCases, runPolicyCases } from './run-policy-cases.ts';

/** What the policy commands need from the outside world (a fake in tests). */
export interface PolicyCliIo {
  readFile(path: string): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The real terminal and file system. */
export const nodePolicyCliIo: PolicyCliIo = {
  readFile: (path) => readFile(path, 'utf8'),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Exit codes: 0 all good, 1 a case failed, 2 the command or an input file is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const TEST_USAGE = `usage: herald policy test <policy.yaml> [cases.yaml ...] [--verbose]
Loads the policy, runs the test cases embedded in it (tests:) and those in each cases file,
and prints a diff for every failing case. Exits 1 when a case fails, 2 when a file is invalid.
`;

/**
 * `herald policy test <policy> [cases...]`. `argv` is what follows `policy test`.
 * Returns the exit code; never calls `process.exit`.
 */
export async function policyTestCommand(argv: readonly string[], io: PolicyCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${TEST_USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help === true) return (io.stdout(TEST_USAGE), EXIT_OK);
  const [policyFile, ...caseFiles] = parsed.positionals;
  if (policyFile === undefined) return (io.stderr(TEST_USAGE), EXIT_USAGE);
  const policy = await readPolicy(policyFile, io);
  if (policy === undefined) return EXIT_USAGE;
  const cases: PolicyCase[] = [...policy.cases];
  for (const file of caseFiles) {
    const loaded = await readCases(file, io);
    if (loaded === undefined) return EXIT_USAGE;
    cases.push(...loaded);
  }
  if (cases.length === 0) {
    io.stderr(`${policyFile}: no test cases (embed them under tests: or pass a cases file)\n`);
    return EXIT_USAGE;
  }
  const report = runPolicyCases(policy, cases);
  io.stdout(`policy ${policy.name} ${policy.version} (${policyFile}, ${policy.rules.length} rules)\n`);
  io.stdout(formatCaseReport(report, { verbose: parsed.values.verbose === true }));
  return report.ok ? EXIT_OK : EXIT_FAILED;
}

const EXPLAIN_USAGE = `usage: herald policy explain <policy.yaml> [cases.yaml] [--case NAME]
       herald policy explain <policy.yaml> --classification C --to ADDRESS [options]
Decides for a hypothetical message without sending anything and prints the decision and its trace.
options: --tenant T --app A --api-key K --retention R --label key=value (repeatable)
         --country CC --capable CH / --incapable CH / --consent CH (repeatable)
         --managed --compliant --quiet-hours --now 2025-01-06T09:30:00Z
`;

/** `herald policy explain <policy> …`. Returns the exit code. */
export async function policyExplainCommand(argv: readonly string[], io: PolicyCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        case: { type: 'string' },
        classification: { type: 'string' },
        to: { type: 'string' },
        tenant: { type: 'string' },
        app: { type: 'string' },
        'api-key': { type: 'string' },
        retention: { type: 'string' },
        label: { type: 'string', multiple: true },
        country: { type: 'string' },
        capable: { type: 'string', multiple: true },
        incapable: { type: 'string', multiple: true },
        consent: { type: 'string', multiple: true },
        managed: { type: 'boolean' },
        compliant: { type: 'boolean' },
        'quiet-hours': { type: 'boolean' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${EXPLAIN_USAGE}`);
    return EXIT_USAGE;
  }
  const v = parsed.values;
  if (v.help === true) return (io.stdout(EXPLAIN_USAGE), EXIT_OK);
  const [policyFile, casesFile] = parsed.positionals;
  if (policyFile === undefined) return (io.stderr(EXPLAIN_USAGE), EXIT_USAGE);
  const policy = await readPolicy(policyFile, io);
  if (policy === undefined) return EXIT_USAGE;

  let cases: PolicyCase[];
  if (casesFile !== undefined) {
    const loaded = await readCases(casesFile, io);
    if (loaded === undefined) return EXIT_USAGE;
    cases = v.case === undefined ? loaded : loaded.filter((c) => c.name === v.case);
    if (cases.length === 0)
      return (io.stderr(`${casesFile}: no case named ${JSON.stringify(v.case)}\n`), EXIT_USAGE);
  } else {
    const built = caseFromFlags(v);
    if (typeof built === 'string') return (io.stderr(`${built}\n${EXPLAIN_USAGE}`), EXIT_USAGE);
    cases = [built];
  }
  for (const c of cases) {
    if (cases.length > 1) io.stdout(`── ${c.name}\n`);
    io.stdout(explainDecision(policy.decide(c.message, c.recipient, c.now), { policyFile }));
  }
  return EXIT_OK;
}

type Flags = {
  classification?: string;
  to?: string;
  tenant?: string;
  app?: string;
  'api-key'?: string;
  retention?: string;
  label?: string[];
  country?: string;
  capable?: string[];
  incapable?: string[];
  consent?: string[];
  managed?: boolean;
  compliant?: boolean;
  'quiet-hours'?: boolean;
  now?: string;
};

function caseFromFlags(v: Flags): PolicyCase | string {
  if (v.classification === undefined || v.to === undefined)
    return '--classification and --to are required without a cases file';
  if (!(CLASSIFICATIONS as readonly string[]).includes(v.classification)) {
    return `--classification must be one of ${CLASSIFICATIONS.join(', ')}`;
  }
  const channels = (list: string[] | undefined, flag: string): Channel[] | string => {
    const bad = (list ?? []).find((c) => !(POLICY_CHANNELS as readonly string[]).includes(c));
    return bad === undefined
      ? ((list ?? []) as Channel[])
      : `${flag} ${bad}: unknown channel (expected ${POLICY_CHANNELS.join(', ')})`;
  };
  const capable = channels(v.capable, '--capable');
  const incapable = channels(v.incapable, '--incapable');
  const consent = channels(v.consent, '--consent');
  for (const c of [capable, incapable, consent]) if (typeof c === 'string') return c;
  const labels: Record<string, string> = {};
  for (const kv of v.label ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) return `--label ${kv}: expected key=value`;
    labels[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const now = v.now === undefined ? undefined : new Date(v.now);
  if (now !== undefined && Number.isNaN(now.getTime())) return `--now ${v.now}: not an ISO 8601 instant`;
  const capabilities: Partial<Record<Channel, boolean>> = {};
  for (const c of capable as Channel[]) capabilities[c] = true;
  for (const c of incapable as Channel[]) capabilities[c] = false;
  const message: MessageFacts = {
    tenantId: v.tenant ?? 'tenant',
    ...(v['api-key'] === undefined ? {} : { apiKeyId: v['api-key'] }),
    ...(v.app === undefined ? {} : { app: v.app }),
    classification: v.classification as Classification,
    retention: v.retention ?? 'standard',
    labels,
    recipient: { kind: recipientKindOf(v.to), address: v.to },
  };
  const recipient: RecipientContext = {
    capabilities,
    ...(v.country === undefined ? {} : { country: v.country }),
    ...(v.managed === undefined ? {} : { managedDevice: v.managed }),
    ...(v.compliant === undefined ? {} : { compliantDevice: v.compliant }),
    ...(v.consent === undefined ? {} : { consent: consent as Channel[] }),
    ...(v['quiet-hours'] === undefined ? {} : { quietHours: v['quiet-hours'] }),
  };
  return { name: 'command line', message, recipient, ...(now === undefined ? {} : { now }), expect: {} };
}

async function readText(path: string, io: PolicyCliIo): Promise<string | undefined> {
  try {
    return await io.readFile(path);
  } catch (err) {
    io.stderr(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return undefined;
  }
}

async function readPolicy(path: string, io: PolicyCliIo): Promise<CompiledPolicy | undefined> {
  const text = await readText(path, io);
  if (text === undefined) return undefined;
  const r = tryLoadPolicy(text, { filename: path });
  for (const w of r.warnings) io.stderr(`warning: ${formatDiagnostic(w)}\n`);
  if (!r.ok) {
    for (const d of r.diagnostics) io.stderr(`error: ${formatDiagnostic(d)}\n`);
    return undefined;
  }
  return r.policy;
}

async function readCases(path: string, io: PolicyCliIo): Promise<PolicyCase[] | undefined> {
  const text = await readText(path, io);
  if (text === undefined) return undefined;
  try {
    return loadPolicyCases(text, { filename: path });
  } catch (err) {
    if (!isHeraldError(err)) throw err;
    for (const d of diagnosticsOf(err)) io.stderr(`error: ${formatDiagnostic(d)}\n`);
    return undefined;
  }
}
