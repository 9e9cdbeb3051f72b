import { parseArgs } from 'node:util';
import type { AuditActor } from '../audit/audit-event.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { hashApiKey } from '../api/api-key.ts';
import { HeraldError } from '../errors/index.ts';
import {
  ExportRequests,
  FileKeyVault,
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
import { parseVerifierKey } from '../tlog/index.ts';

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

/**
 * `herald journal verify [--log journal|audit] --key <verifier key> [--origin <origin>]
 * [--export <dir>] [--db <url>]`: checks a log in the database, or an export directory, end to
 * end (see `verifyLog` and `verifyExport`), with a progress bar on stderr. Exit 0 when everything
 * verifies, 1 naming the first bad entry, 2 on usage errors.
 */
export async function journalVerifyCommand(argv: string[], io: JournalCliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      log: { type: 'string', default: 'journal' },
      key: { type: 'string' },
      origin: { type: 'string' },
      export: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const kind = values.log as LogKind;
  const keyText =
    values.key ?? io.env?.[kind === 'journal' ? 'HERALD_JOURNAL_LOG_KEY' : 'HERALD_AUDIT_LOG_KEY'];
  if (!(LOG_KINDS as readonly string[]).includes(kind) || !keyText) {
    io.stderr.write(
      'usage: herald journal verify [--log journal|audit] --key <verifier key> [--export <dir>]\n',
    );
    return 2;
  }
  const verifier = parseVerifierKey(keyText);
  const trust = { origin: values.origin ?? verifier.name, verifiers: [verifier] };
  if (values.export) return printReport(io, await verifyExport(values.export, trust, io.stderr));
  const url = values.db ?? io.env?.HERALD_DATABASE_URL ?? './data/herald.db';
  return withStore(url, async (store) =>
    printReport(io, await verifyLog(store.conn.db, store.dialect, kind, trust, io.stderr)),
  );
}

/**
 * `herald journal export request|approve|run`, four-eyes:
 *
 * - `request --tenant <id> [--from <ISO time>] [--until <ISO time>] [--subject <addr>] [--label <l>]`
 *   files an export request and prints its id;
 * - `approve <export-id>` adds the caller's approval (two different compliance users needed);
 * - `run <export-id> --archive-key <file> --out <dir>` writes the export.
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
      'archive-key': { type: 'string' },
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
        '       herald journal export run <export-id> --archive-key <file> --out <dir>\n',
    );
    return 2;
  };
  if (
    sub === 'request' ? !values.tenant : !id || (sub === 'run' && (!values['archive-key'] || !values.out))
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
      const vault = await FileKeyVault.load(values['archive-key']!);
      const deps = {
        db: store.conn.db,
        dialect: store.dialect,
        origin: defaultOrigin(env, 'journal'),
        requests,
        audit,
        vault,
      };
      const s = await runJournalExport(deps, actor, id!, values.out!, io.stderr);
      io.stdout(
        `exported ${s.records} records (${s.shredded} shredded) at tree size ${s.treeSize} to ${s.dir}`,
      );
      return 0;
    }
    return usage();
  });
}
