import { parseArgs } from 'node:util';
import type { AuditActor } from '../audit/audit-event.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { hashApiKey } from '../api/api-key.ts';
import { HeraldError } from '../errors/index.ts';
import {
  ExportRequests,
  LOG_KINDS,
  runJournalExport,
  verifyExport,
  verifyLog,
  type LogKind,
  type ProgressStream,
  type VerifyReport,
} from '../journal/index.ts';
import type { Store } from '../storage/store.ts';
import { withStore } from './with-store.ts';
import { parseVerifierKey, type CheckpointTrust, type NoteVerifier } from '../tlog/index.ts';
import {
  ARCHIVE_KEY_OPTIONS,
  ARCHIVE_KEY_USAGE,
  archiveKeyGiven,
  openArchiveVault,
} from './archive-key-options.ts';

/** Where the journal commands write: lines to stdout, progress bars and errors to stderr. */
export interface JournalCliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: ProgressStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const defaultOrigin = (env: JournalCliIo['env'], kind: LogKind): string =>
  (kind === 'journal' ? env?.HERALD_JOURNAL_ORIGIN : env?.HERALD_AUDIT_ORIGIN) ?? `herald.local/${kind}`;

/** The acting user: the API key given with `--api-key` or `HERALD_API_KEY`, looked up by hash. */
async function actorFromKey(store: Store, key: string | undefined): Promise<AuditActor> {
  if (!key) throw new HeraldError('HERALD_ERR_AUTH_MISSING');
  const rec = await store.tenants.findApiKeyByHash(hashApiKey(key));
  if (!rec) throw new HeraldError('HERALD_ERR_AUTH_INVALID');
  return { id: rec.id, role: rec.role, tenantId: rec.tenantId };
}

function printReport(io: JournalCliIo, r: VerifyReport): number {
  if (r.ok) {
    io.stdout(
      `ok ${r.origin}: ${r.size} entries, ${r.checkpoints} checkpoints, ${r.shredded} shredded (leaves verified, content destroyed), ${r.pending} pending`,
    );
    return 0;
  }
  const bad = r.firstBad!;
  io.stdout(
    `FAILED ${r.origin}: first bad entry ${bad.index}${bad.id ? ` (${bad.id})` : ''}: ${bad.problem}`,
  );
  return 1;
}

/** Where each log's verifier key can come from when no `--key` names it. */
const KEY_ENV = {
  journal: 'HERALD_JOURNAL_LOG_KEY',
  audit: 'HERALD_AUDIT_LOG_KEY',
  keys: 'HERALD_KEYS_LOG_KEY',
} as const satisfies Record<LogKind, string>;

const VERIFY_USAGE =
  'usage: herald journal verify [--log journal|audit|keys|all] --key <verifier key> [--key …] [--origin <o>] [--db <url>]\n' +
  '       herald journal verify --export <dir> --key <journal verifier key>\n';

/**
 * The trust for one log: with one log named, the first `--key` (else its environment key) and
 * `--origin` or the key's name; with `--log all`, the `--key` whose name ends in `/<log>` (Herald
 * names each log's key after its origin, `<prefix>/journal|audit|keys`), else the environment key.
 */
function trustFor(
  kind: LogKind,
  keys: readonly NoteVerifier[],
  env: JournalCliIo['env'],
  single: boolean,
  origin: string | undefined,
): CheckpointTrust | undefined {
  const fromEnv = env?.[KEY_ENV[kind]];
  const key =
    (single ? keys[0] : keys.find((k) => k.name.endsWith(`/${kind}`))) ??
    (fromEnv ? parseVerifierKey(fromEnv) : undefined);
  return key && { origin: origin ?? key.name, verifiers: [key] };
}

/**
 * `herald journal verify [--log journal|audit|keys|all] --key <verifier key> … [--origin <origin>]
 * [--export <dir>] [--db <url>]`: checks every log Herald keeps (the default, `all`: the journal,
 * the audit log and the key directory), one of them, or an export directory, end to end (see
 * `verifyLog` and `verifyExport`), with a progress bar per log on stderr. Exit 0 when everything
 * verifies, 1 naming the first bad entry of each log that does not, 2 on usage errors (a log
 * without a verifier key among them: verify never skips a log silently).
 */
export async function journalVerifyCommand(argv: string[], io: JournalCliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      log: { type: 'string', default: 'all' },
      key: { type: 'string', multiple: true },
      origin: { type: 'string' },
      export: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const usage = (why = ''): number => {
    io.stderr.write(`${why}${VERIFY_USAGE}`);
    return 2;
  };
  const chosen = values.log;
  const kinds: readonly LogKind[] =
    chosen === 'all'
      ? LOG_KINDS
      : (LOG_KINDS as readonly string[]).includes(chosen)
        ? [chosen as LogKind]
        : [];
  if (kinds.length === 0) return usage(`unknown log ${chosen}\n`);
  // An export is of the journal; `--origin` names one log's origin.
  const single = kinds.length === 1 || values.export !== undefined;
  if (values.origin !== undefined && !single) return usage('--origin needs one --log\n');
  const keys = (values.key ?? []).map(parseVerifierKey);
  const trusts = new Map<LogKind, CheckpointTrust>();
  for (const kind of values.export !== undefined ? (['journal'] as const) : kinds) {
    const trust = trustFor(kind, keys, io.env, single, values.origin);
    if (!trust)
      return usage(`no verifier key for the ${kind} log: pass --key <origin>+… or set ${KEY_ENV[kind]}\n`);
    trusts.set(kind, trust);
  }
  if (values.export)
    return printReport(io, await verifyExport(values.export, trusts.get('journal')!, io.stderr));
  const url = values.db ?? io.env?.HERALD_DATABASE_URL ?? './data/herald.db';
  return withStore(url, async (store) => {
    let code = 0;
    for (const [kind, trust] of trusts) {
      // A log of 250,000 leaves or more is scanned by two threads (1,000,000: 19 s against 28 s
      // on one, on a quiet 2-core machine; docs/performance.md).
      const report = await verifyLog(store.conn.db, store.dialect, kind, trust, io.stderr, { url });
      code = Math.max(code, printReport(io, report));
    }
    return code;
  });
}

/**
 * `herald journal export request|approve|run`, four-eyes:
 *
 * - `request --tenant <id> [--from <ISO time>] [--until <ISO time>] [--subject <addr>] [--label <l>]`
 *   files an export request and prints its id;
 * - `approve <export-id>` adds the caller's approval (two different compliance users needed);
 * - `run <export-id> --archive-key <file> | --pkcs11 … --out <dir>` writes the export, opening
 *   records with the archive key in a file or on a PKCS#11 token (see `archive-key-options.ts`).
 *
 * The caller is identified by a compliance API key (`--api-key` or `HERALD_API_KEY`); every step
 * is an audit event.
 */
export async function journalExportCommand(argv: string[], io: JournalCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      tenant: { type: 'string' },
      from: { type: 'string' },
      until: { type: 'string' },
      subject: { type: 'string' },
      label: { type: 'string' },
      ...ARCHIVE_KEY_OPTIONS,
      out: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const [sub, id] = positionals;
  const env = io.env ?? {};
  const url = values.db ?? env.HERALD_DATABASE_URL ?? './data/herald.db';
  const usage = (): number => {
    io.stderr.write(
      'usage: herald journal export request --tenant <id> [--from] [--until] [--subject] [--label]\n' +
        '       herald journal export approve <export-id>\n' +
        `       herald journal export run <export-id> ${ARCHIVE_KEY_USAGE} --out <dir>\n`,
    );
    return 2;
  };
  if (
    sub === 'request' ? !values.tenant : !id || (sub === 'run' && (!archiveKeyGiven(values) || !values.out))
  ) {
    return usage();
  }
  const time = (s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    const t = Date.parse(s);
    if (Number.isNaN(t))
      throw new HeraldError('HERALD_ERR_JOURNAL_INVALID_ARGUMENT', { detail: `bad time ${s}` });
    return t;
  };
  return withStore(url, async (store) => {
    const actor = await actorFromKey(store, values['api-key'] ?? env.HERALD_API_KEY);
    const audit = new AuditLog({
      db: store.conn.db,
      dialect: store.dialect,
      origin: defaultOrigin(env, 'audit'),
    });
    const requests = new ExportRequests(store.conn.db, audit);
    if (sub === 'request') {
      const from = time(values.from);
      const until = time(values.until);
      const exportId = await requests.request(actor, {
        tenantId: values.tenant!,
        ...(from === undefined ? {} : { from }),
        ...(until === undefined ? {} : { until }),
        ...(values.subject === undefined ? {} : { subject: values.subject }),
        ...(values.label === undefined ? {} : { label: values.label }),
      });
      io.stdout(exportId);
      return 0;
    }
    if (sub === 'approve') {
      const req = await requests.approve(actor, id!);
      io.stdout(`${req.id} approved by ${req.approvers.length} of 2`);
      return 0;
    }
    if (sub === 'run') {
      const vault = await openArchiveVault(values, env);
      try {
        const deps = {
          db: store.conn.db,
          dialect: store.dialect,
          origin: defaultOrigin(env, 'journal'),
          requests,
          audit,
          vault,
          flush: () => store.tx.flush(),
        };
        const s = await runJournalExport(deps, actor, id!, values.out!, io.stderr);
        io.stdout(
          `exported ${s.records} records (${s.shredded} shredded) at tree size ${s.treeSize} to ${s.dir}`,
        );
        return 0;
      } finally {
        await vault.close();
      }
    }
    return usage();
  });
}

/**
 * `herald journal keygen --archive-key <file> | --pkcs11 …`: creates the archive key pair, in a
 * new key file or on a token (private half sensitive and not extractable), and prints the public
 * key the gateway is configured with (`HERALD_ARCHIVE_PUBLIC_KEY`). Never replaces a key.
 */
export async function journalKeygenCommand(argv: string[], io: JournalCliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: ARCHIVE_KEY_OPTIONS });
  if (!archiveKeyGiven(values)) {
    io.stderr.write(`usage: herald journal keygen ${ARCHIVE_KEY_USAGE}\n`);
    return 2;
  }
  const vault = await openArchiveVault(values, io.env ?? {}, true);
  try {
    io.stdout(`HERALD_ARCHIVE_PUBLIC_KEY=${Buffer.from(await vault.publicKey()).toString('base64')}`);
    return 0;
  } finally {
    await vault.close();
  }
}
