import { readFileSync, watch, type FSWatcher } from 'node:fs';
import type { Kysely } from 'kysely';
import { checkPolicy, loadPolicy, type CompiledPolicy, type PolicyCheckResult } from '../policy/index.ts';
import type { PolicyEngine } from '../policy/decision.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Database } from '../storage/schema.ts';

/** The policy Herald ships and uses when none is configured. */
export const SHIPPED_DEFAULT_POLICY = new URL('../../../../docs/policies/default.yaml', import.meta.url);

/** Who activated a version: an API key id, `file:<path>`, or `startup`. */
export type Activator = string;

/**
 * The policy in force, and the only way to change it: a new version becomes active only if it
 * compiles and its own test cases pass; otherwise the previous one stays. Activated versions
 * are stored, so a restart and every other process (which re-reads every few seconds) use the
 * same policy.
 */
export class ActivePolicy {
  #policy: PolicyEngine;
  #seq = 0;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Kysely<Database>,
    initial: PolicyEngine,
  ) {
    this.#policy = initial;
  }

  /** Loads the newest stored version, or else `source` (the configured or shipped file). */
  static async open(
    db: Kysely<Database>,
    fallback: { source: string; filename: string },
  ): Promise<ActivePolicy> {
    const stored = await db
      .selectFrom('policy_versions')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const initial = stored
      ? loadPolicy(stored.source, { filename: stored.filename }).policy
      : loadPolicy(fallback.source, { filename: fallback.filename }).policy;
    const active = new ActivePolicy(db, initial);
    active.#seq = stored?.seq ?? 0;
    return active;
  }

  current(): PolicyEngine {
    return this.#policy;
  }

  /**
   * Checks and, if it passes, activates a new version. Returns the check result either way
   * (errors with file/line/column diagnostics, the case report). Activating the version already
   * in force is a no-op that still succeeds.
   */
  async activate(
    source: string,
    filename: string,
    by: Activator,
    actor: { tenantId?: string; role: string } = { role: 'operator' },
    now = Date.now(),
  ): Promise<PolicyCheckResult> {
    const result = checkPolicy(source, { filename });
    if (!result.ok) return result;
    const policy: CompiledPolicy = result.policy;
    if (policy.version === this.#policy.version) return result;
    const seq = this.#seq + 1;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('policy_versions')
        .values({
          seq,
          version: policy.version,
          name: policy.name,
          source,
          filename,
          activated_by: by,
          activated_at: now,
        })
        .execute();
      // Every change is on the audit record, with who made it.
      await recordAudit(
        trx,
        {
          actor: { id: by, role: actor.role, ...(actor.tenantId ? { tenantId: actor.tenantId } : {}) },
          action: 'policy.change',
          target: policy.version,
          details: { name: policy.name, from: this.#policy.version, filename },
        },
        now,
      );
    });
    this.#seq = seq;
    this.#policy = policy;
    return result;
  }

  /** Versions activated so far, newest first (metadata only). */
  async history(limit = 20) {
    return this.db
      .selectFrom('policy_versions')
      .select(['seq', 'version', 'name', 'filename', 'activated_by', 'activated_at'])
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
  }

  /** Reloads `file` whenever it changes; a version that fails its checks is logged and ignored. */
  watchFile(file: string, onResult: (r: PolicyCheckResult) => void): void {
    let timer: NodeJS.Timeout | undefined;
    this.#watcher = watch(file, () => {
      // Editors write files in several steps: wait for the writes to settle.
      clearTimeout(timer);
      timer = setTimeout(() => {
        let source: string;
        try {
          source = readFileSync(file, 'utf8');
        } catch {
          return;
        }
        this.activate(source, file, `file:${file}`).then(onResult, () => {});
      }, 100);
    });
  }

  /** Picks up versions other processes activated. */
  followOthers(everyMs = 5000): void {
    this.#poll = setInterval(() => {
      this.db
        .selectFrom('policy_versions')
        .selectAll()
        .where('seq', '>', this.#seq)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()
        .then((row) => {
          if (!row) return;
          this.#policy = loadPolicy(row.source, { filename: row.filename }).policy;
          this.#seq = row.seq;
        })
        .catch(() => {});
    }, everyMs);
    this.#poll.unref();
  }

  close(): void {
    this.#watcher?.close();
    clearInterval(this.#poll);
  }
}
