import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import type { Store } from '../storage/store.ts';
import { generateNoteKey, parseSignerKey } from '../tlog/index.ts';
import { archivePublicKeyFromBase64, FileKeyVault } from './file-key-vault.ts';
import { Journal } from './journal.ts';
import { parseRetentionClasses } from './retention.ts';

/** The journal and the audit log of one gateway, ready to capture and to sequence. */
export interface RecordLogs {
  readonly journal: Journal;
  readonly audit: AuditLog;
  /**
   * The raw X25519 archive public key the journal seals to; `GET /v1/journal/archive-key`
   * shows it so senders can compare it with the key they were given (never trust it alone).
   */
  readonly archivePublicKey: Uint8Array;
}

/**
 * Opens the two provable logs. The gateway gets only the archive *public* key
 * (`HERALD_ARCHIVE_PUBLIC_KEY`) and the checkpoint signer keys (`HERALD_JOURNAL_SIGNER_KEY`,
 * `HERALD_AUDIT_SIGNER_KEY`). On a local (SQLite) install without them, development keys are
 * made in the data directory on first start: `archive-dev.key` holds the archive *private* key
 * there only so that `herald journal export` works out of the box — move it off the machine
 * for anything real.
 */
export async function openRecordLogs(
  store: Store,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  local: boolean,
): Promise<RecordLogs | undefined> {
  const configured =
    env.HERALD_ARCHIVE_PUBLIC_KEY && env.HERALD_JOURNAL_SIGNER_KEY && env.HERALD_AUDIT_SIGNER_KEY;
  // Scaled out without keys: no journal here, and messages that must be journaled fail closed.
  if (!configured && !local) return undefined;
  const prefix = env.HERALD_LOG_ORIGIN_PREFIX ?? 'herald.local';
  const archive = env.HERALD_ARCHIVE_PUBLIC_KEY
    ? archivePublicKeyFromBase64(env.HERALD_ARCHIVE_PUBLIC_KEY)
    : await devArchiveKey(dataDir, local);
  const signer = (kind: 'journal' | 'audit') =>
    parseSignerKey(
      env[`HERALD_${kind.toUpperCase()}_SIGNER_KEY`] ??
        devSignerKey(dataDir, `${prefix}/${kind}`, `${kind}-signer.key`, local),
    );
  // Checkpoints are published only once their commit is durable (`TransparencyLog` `flush`).
  const common = { db: store.conn.db, dialect: store.dialect, flush: () => store.tx.flush() };
  const sqlite = store.conn.sqlite;
  return {
    archivePublicKey: archive,
    journal: new Journal({
      ...common,
      origin: `${prefix}/journal`,
      signer: signer('journal'),
      archivePublicKey: archive,
      retention: parseRetentionClasses(env.HERALD_JOURNAL_RETENTION),
      ...(sqlite ? { sqlite } : {}),
    }),
    audit: new AuditLog({ ...common, origin: `${prefix}/audit`, signer: signer('audit') }),
  };
}

async function devArchiveKey(dataDir: string, local: boolean): Promise<Uint8Array> {
  const pub = join(dataDir, 'archive.pub');
  if (existsSync(pub)) return archivePublicKeyFromBase64(readFileSync(pub, 'utf8').trim());
  if (!local) throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: 'set HERALD_ARCHIVE_PUBLIC_KEY' });
  const vault = await FileKeyVault.generate(join(dataDir, 'archive-dev.key'));
  const key = await vault.publicKey();
  writeFileSync(pub, `${Buffer.from(key).toString('base64')}\n`, { mode: 0o644, flag: 'wx' });
  return key;
}

/**
 * A checkpoint signer key from `file` in the data directory, made there on first use for a local
 * install (with its verifier key beside it as `<name>.pub`); refused for other installs.
 */
export function devSignerKey(dataDir: string, name: string, file: string, local: boolean): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  if (!local)
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: `set the signer key for ${name}` });
  const { signerKey, verifierKey } = generateNoteKey(name);
  writeFileSync(path, `${signerKey}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(`${path.replace(/\.key$/, '')}.pub`, `${verifierKey}\n`, { mode: 0o644, flag: 'wx' });
  return signerKey;
}
