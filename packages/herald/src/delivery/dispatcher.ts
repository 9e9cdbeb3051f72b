import type { ChannelAdapter, Channel } from '../channels/channel-adapter.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { HeraldError, isHeraldError } from '../errors/index.ts';
import { newAttemptId, type AttemptId, type MessageId, type TenantId } from '../ids.ts';
import type { Decision } from '../policy/decision.ts';
import type { Job } from '../storage/job-store.ts';
import type { AfterMove } from '../storage/delivery-store.ts';
import type { TimerData } from '../storage/message-transitions.ts';
import type { Store } from '../storage/store.ts';
import type { WebhookSender } from '../webhooks/webhook-sender.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import type { Journal } from '../journal/journal.ts';
import { userIdOf } from '../messages/recipient.ts';
import { addressFor } from './channel-address.ts';
import { captureBeforeSend } from './journal-capture.ts';
import { isMlsContent, openContent } from '../messages/message-content.ts';
import type { PriceTable } from './price-table.ts';
import { ThroughputLimiter } from './throughput-limiter.ts';

export interface DispatcherOptions {
  readonly owner: string;
  /** Jobs worked on at once; SMPP windows and HTTP pools keep many sends in flight. */
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly idlePollMs: number;
  readonly sendTimeoutMs: number;
  /** Sends of one message before it ends as `failed`. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  readonly webhookMaxAttempts: number;
  readonly webhookBackoff: BackoffPolicy;
  /** Cost recorded on each attempt, per channel. */
  readonly prices: PriceTable;
  /** Sends per second per channel (carrier MPS limits), per worker process. */
  readonly rateCaps: Readonly<Partial<Record<Channel, number>>>;
}

export interface DispatcherLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The worker: claims due outbox jobs with a lease, sends, records attempts and retries.
 * Several dispatchers (in several processes) can share one PostgreSQL database.
 */
export class Dispatcher {
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  private readonly limiters: ReadonlyMap<Channel, ThroughputLimiter>;

  constructor(
    private readonly store: Store,
    private readonly adapters: ReadonlyMap<Channel, ChannelAdapter>,
    private readonly box: SecretBox,
    private readonly webhooks: WebhookSender,
    private readonly opts: DispatcherOptions,
    private readonly log: DispatcherLogger,
    /** Where `journal: sealed` messages are captured before they are sent. */
    private readonly journal?: Journal,
  ) {
    this.limiters = new Map(
      Object.entries(opts.rateCaps).map(([channel, cap]) => [channel as Channel, new ThroughputLimiter(cap)]),
    );
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Ends the loop and waits for the jobs in flight; unfinished jobs are picked up after their lease. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Looks for work now instead of at the next poll (called after each accept commit). */
  wake(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const room = this.opts.concurrency - this.#inFlight.size;
      let jobs: Job[] = [];
      if (room > 0) {
        try {
          jobs = await this.store.jobs.claim(this.opts.owner, room, this.opts.leaseMs);
        } catch (err) {
          this.log.error({ err: describe(err) }, 'claiming jobs failed');
        }
      }
      for (const job of jobs) {
        const p = this.#work(job).finally(() => {
          this.#inFlight.delete(p);
          this.#wake?.();
        });
        this.#inFlight.add(p);
      }
      if (jobs.length === 0 || this.#inFlight.size >= this.opts.concurrency) await this.#sleep();
    }
  }

  async #sleep(): Promise<void> {
    const next =
      this.#inFlight.size >= this.opts.concurrency
        ? undefined
        : await this.store.jobs.nextDue().catch(() => undefined);
    const wait =
      next === undefined
        ? this.opts.idlePollMs
        : Math.min(this.opts.idlePollMs, Math.max(0, next - Date.now()));
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, wait);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  async #work(job: Job): Promise<void> {
    try {
      if (job.kind === 'send') await this.#send(job);
      else if (job.kind === 'timer') await this.#timer(job);
      else await this.#webhook(job);
    } catch (err) {
      // Unexpected (database down, bug): leave the job leased; it runs again after the lease.
      this.log.error({ job: job.id, kind: job.kind, err: describe(err) }, 'job failed');
    }
  }

  async #send(job: Job): Promise<void> {
    const now = Date.now();
    const loaded = await this.store.messages.loadForSend(job.ref);
    if (!loaded || loaded.message.finished_at !== null)
      return this.store.jobs.complete(job.id, this.opts.owner);
    const { message: m, sealed } = loaded;
    if (m.expires_at !== null && m.expires_at <= now) {
      await this.store.delivery.finishNow(
        m.id,
        'expired',
        { reason: 'the message expired before it could be sent' },
        now,
      );
      return this.store.jobs.complete(job.id, this.opts.owner);
    }
    const decision = JSON.parse(m.decision) as Decision;
    const step = decision.route[m.route_step];
    const adapter = step && this.adapters.get(step.channel);
    // A user is reached through the directory as it is now, not as it was at accept time.
    const userId = step && m.recipient_kind === 'user' ? userIdOf(m.recipient) : undefined;
    const contact = userId === undefined ? undefined : await this.store.contacts.get(m.tenant_id, userId);
    const to = step && addressFor(step.channel, m.recipient, m.recipient_kind, contact);
    if (!step || !adapter || to === undefined || (adapter.canReach && !(await adapter.canReach(to)))) {
      // The route decides whether an unreachable step falls back or ends the message.
      const why = !step ? 'no step' : !adapter ? 'channel not configured' : 'recipient not reachable';
      await this.#after(
        await this.store.delivery.routeEvent(
          m.id,
          { kind: 'unsupported' },
          { channel: step?.channel, why },
          now,
        ),
      );
      return this.store.jobs.complete(job.id, this.opts.owner);
    }
    await this.limiters.get(step.channel)?.take();
    const attemptId = newAttemptId();
    const attempt = job.attempts + 1;
    await this.store.delivery.startAttempt(
      m,
      {
        id: attemptId,
        message_id: m.id,
        tenant_id: m.tenant_id,
        step: m.route_step,
        channel: step.channel,
        tier: step.tier,
        content_kind: step.content,
        cost_micros: this.opts.prices[step.channel] ?? 0,
        started_at: Date.now(),
      },
      this.opts.owner,
    );
    try {
      // A notice step never carries content: its text comes from the policy, not the sender.
      const content = sealed === undefined ? undefined : openContent(this.box, sealed, m.id);
      const mls = content !== undefined && isMlsContent(content) ? content.mls : undefined;
      const body =
        step.content === 'notice'
          ? (step.notice ?? '')
          : content === undefined
            ? undefined
            : isMlsContent(content)
              ? ''
              : content.text;
      // Ciphertext only the recipient's devices can read travels only end to end.
      if (mls !== undefined && step.content === 'full' && adapter.tier !== 'e2ee')
        throw new HeraldError('HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', {
          channel: step.channel,
          detail: 'end-to-end-encrypted content travels only on the secure channel',
        });
      if (decision.journal === 'sealed' && content !== undefined) {
        // Fail closed: a message that must be journaled is never sent unjournaled.
        if (!this.journal)
          throw new HeraldError('HERALD_ERR_JOURNAL_ARCHIVE_KEY', { detail: 'no journal on this worker' });
        await captureBeforeSend(this.store, this.journal, m, content, decision);
      }
      if (body === undefined) {
        throw new HeraldError('HERALD_ERR_CHANNEL_REJECTED', {
          channel: step.channel,
          detail: 'content no longer held',
        });
      }
      const result = await adapter.send(
        {
          messageId: m.id as MessageId,
          attemptId: attemptId as AttemptId,
          tenantId: m.tenant_id as TenantId,
          to,
          body,
          contentKind: step.content,
          ...(mls !== undefined && step.content === 'full' ? { mls } : {}),
          ...(m.expires_at === null ? {} : { expiresAt: new Date(m.expires_at) }),
        },
        { signal: AbortSignal.timeout(this.opts.sendTimeoutMs) },
      );
      await this.#after(
        await this.store.delivery.attemptAccepted(m, attemptId, result.providerMessageId, Date.now()),
      );
    } catch (err) {
      const e = isHeraldError(err)
        ? err
        : new HeraldError(
            'HERALD_ERR_CHANNEL_UNAVAILABLE',
            { channel: step.channel, detail: 'unexpected error' },
            { cause: err },
          );
      const retry = e.isRetryable && attempt < this.opts.maxAttempts;
      const at = Date.now();
      const retryAt = retry ? at + backoffDelay(this.opts.backoff, attempt) : undefined;
      const unsupported =
        e.code === 'HERALD_ERR_CHANNEL_INVALID_DESTINATION' ||
        e.code === 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED';
      const after = await this.store.delivery.attemptFailed(
        m,
        attemptId,
        { code: e.code, retryable: e.isRetryable, unsupported },
        job.id,
        retryAt,
        attempt,
        at,
      );
      if (!retry) await this.store.jobs.complete(job.id, this.opts.owner);
      await this.#after(after);
      this.log.warn({ message: m.id, attempt, code: e.code, retry }, 'send failed');
    }
  }

  /** A durable timer (a step's `undelivered_after` / `unread_after`, or the deadline) fired. */
  async #timer(job: Job): Promise<void> {
    const data = JSON.parse(job.data ?? '{}') as TimerData;
    await this.#after(await this.store.delivery.fireTimer(job.ref, data, Date.now()));
    await this.store.jobs.complete(job.id, this.opts.owner);
  }

  /**
   * Work outside the database after a fallback: revoke the step left behind where the
   * provider allows it (RBM `DELETE agentMessages/{id}`), so nothing arrives twice. A late
   * delivery that races the revoke still lands on the timeline as a late receipt.
   */
  async #after(after: AfterMove | undefined): Promise<void> {
    const r = after?.revoke;
    if (!r) return;
    const adapter = this.adapters.get(r.channel as Channel);
    if (!adapter?.revoke) return;
    try {
      await adapter.revoke(r.providerMessageId, { signal: AbortSignal.timeout(this.opts.sendTimeoutMs) });
      this.log.info({ channel: r.channel }, 'revoked the previous step');
    } catch (err) {
      this.log.warn({ channel: r.channel, err: describe(err) }, 'revoking the previous step failed');
    }
  }

  async #webhook(job: Job): Promise<void> {
    const attempt = job.attempts + 1;
    const final = attempt >= this.opts.webhookMaxAttempts;
    const outcome = await this.webhooks.deliver(job.ref);
    const owned = { id: job.id, owner: this.opts.owner };
    if (outcome.kind === 'gone') return this.store.webhooks.settleDelivery(job.ref, undefined, owned);
    const retry = !outcome.ok && !final;
    // The try and what follows it (done, or due again after a backoff) in one commit.
    await this.store.webhooks.settleDelivery(
      job.ref,
      { status: outcome.ok ? 'delivered' : retry ? 'pending' : 'failed', statusCode: outcome.statusCode },
      owned,
      retry
        ? { runAt: Date.now() + backoffDelay(this.opts.webhookBackoff, attempt), attempts: attempt }
        : undefined,
    );
  }
}

/** Error metadata for logs: code and class, never a message that could carry data. */
function describe(err: unknown): object {
  if (isHeraldError(err)) return { code: err.code };
  if (err instanceof Error) return { name: err.name, code: (err as { code?: unknown }).code };
  return { type: typeof err };
}
