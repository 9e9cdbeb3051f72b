import { createHash } from 'node:crypto';
import type { Principal } from '../api/auth.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Contact, ContactStore } from '../contacts/contact-store.ts';
import { HeraldError } from '../errors/index.ts';
import { newMessageId, type MessageId } from '../ids.ts';
import type {
  Classification,
  Decision,
  PolicyEngine,
  RecipientContext,
  RecipientKind,
} from '../policy/decision.ts';
import type { MessageStatus } from '../delivery/message-status.ts';
import type { MessageRow } from '../storage/message-store.ts';
import type { MessageStore } from '../storage/message-store.ts';
import type { AcceptQueue } from './accept-queue.ts';
import { countryOfNumber } from '../policy/country.ts';
import { parseRecipient, userIdOf } from './recipient.ts';
import { LIMITS } from '../api/message-schemas.ts';
import { mlsBytes, readGroupMessage, type FramingReader } from '../secure/framing-checks.ts';
import { parseGroupId } from '../secure/group-id.ts';
import { isMlsContent, sealContent, type MessageContent, type MlsContent } from './message-content.ts';

/** A send request after schema validation. */
export interface SendRequest {
  readonly to: string;
  readonly content: MessageContent;
  readonly classification: Classification;
  readonly retention?: string;
  readonly ttl?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly idempotencyKey?: string;
}

/** What the API answers for an accepted (or blocked) message. */
export interface AcceptAnswer {
  readonly id: MessageId;
  readonly status: MessageStatus;
  readonly decision: DecisionSummary;
  readonly replayed: boolean;
}

export interface DecisionSummary {
  readonly outcome: Decision['outcome'];
  readonly rule: string;
  readonly policyVersion: string;
  readonly reasons: string[];
  readonly route: Array<{ channel: string; content: string; tier: string }>;
}

/**
 * The accept path: validate what the schema cannot, decide, seal, and commit durably through
 * the group-commit queue. Answers only once the message is on disk.
 */
export class AcceptService {
  readonly #inFlight = new Set<string>();

  constructor(
    private readonly deps: {
      readonly queue: AcceptQueue;
      readonly store: MessageStore;
      readonly policy: () => PolicyEngine;
      readonly box: SecretBox;
      readonly retentionClasses: ReadonlySet<string>;
      /** The recipient directory, for messages to `user:` recipients. */
      readonly contacts?: ContactStore;
      readonly defaultRetention: string;
      /** Reads MLS framing, to refuse malformed `mls` content at once; absent: checked at send. */
      readonly mls?: FramingReader;
    },
  ) {}

  async accept(principal: Principal, req: SendRequest, now = Date.now()): Promise<AcceptAnswer> {
    const recipient = parseRecipient(req.to);
    if (isMlsContent(req.content)) this.#checkMls(req.content.mls, recipient.kind);
    const retention = req.retention ?? this.deps.defaultRetention;
    if (!this.deps.retentionClasses.has(retention)) {
      throw new HeraldError('HERALD_ERR_MESSAGE_UNKNOWN_RETENTION', { retention });
    }
    const labels = req.labels ?? {};
    const ctx =
      recipient.kind === 'user'
        ? contactContext(await this.deps.contacts?.get(principal.tenantId, userIdOf(recipient.address)!))
        : ({
            ...(recipient.kind === 'phone' ? { country: countryOfNumber(recipient.address) } : {}),
            capabilities: recipient.kind === 'phone' ? { sms: true } : {},
          } as RecipientContext);
    const decision = this.deps.policy().decide(
      {
        tenantId: principal.tenantId,
        apiKeyId: principal.keyId,
        classification: req.classification,
        retention,
        labels,
        recipient,
      },
      ctx,
      new Date(now),
    );
    const status: MessageStatus =
      decision.outcome === 'allow' ? 'accepted' : decision.outcome === 'block' ? 'blocked' : 'escalated';
    const content = journalCopyFor(req.content, decision, status);
    const id = newMessageId();
    const key = req.idempotencyKey;
    const flightKey = key === undefined ? undefined : `${principal.tenantId}\n${key}`;
    if (flightKey !== undefined) {
      if (this.#inFlight.has(flightKey)) throw new HeraldError('HERALD_ERR_IDEMPOTENCY_IN_FLIGHT');
      this.#inFlight.add(flightKey);
    }
    try {
      const outcome = await this.deps.queue.submit({
        id,
        tenantId: principal.tenantId,
        apiKeyId: principal.keyId,
        recipient: recipient.address,
        recipientKind: recipient.kind,
        classification: req.classification,
        retention,
        labels,
        // Content is kept only for messages that will be sent, and only sealed.
        sealedContent: status === 'blocked' ? null : sealContent(this.deps.box, content, id),
        decision,
        status,
        ...(key === undefined ? {} : { idempotencyKey: key, requestHash: requestHash(req) }),
        expiresAt: req.ttl === undefined ? null : now + req.ttl * 1000,
        createdAt: now,
      });
      if (outcome.kind === 'conflict') throw new HeraldError('HERALD_ERR_IDEMPOTENCY_KEY_REUSED');
      if (outcome.kind === 'replay') {
        const prior = await this.deps.store.get(principal.tenantId, outcome.messageId);
        if (!prior) throw new HeraldError('HERALD_ERR_MESSAGE_NOT_FOUND', { id: outcome.messageId });
        return { ...answerFor(prior), replayed: true };
      }
      return { id, status, decision: summarize(decision), replayed: false };
    } finally {
      if (flightKey !== undefined) this.#inFlight.delete(flightKey);
    }
  }

  /**
   * End-to-end-encrypted content goes to a Herald user's devices only, and must be an
   * application message of the group it names; the plaintext never reaches the gateway.
   */
  #checkMls(mls: MlsContent, kind: RecipientKind): void {
    if (kind !== 'user') throw new HeraldError('HERALD_ERR_MESSAGE_MLS_NEEDS_USER');
    const groupId = parseGroupId(mls.groupId);
    const bytes = mlsBytes(mls.message, 'content.mls.message', LIMITS.mlsMessageBytes);
    if (this.deps.mls) readGroupMessage(this.deps.mls, bytes, groupId, ['application']);
  }
}

/** The answer as it was given when the message was first accepted. */
function answerFor(m: MessageRow): Omit<AcceptAnswer, 'replayed'> {
  const decision = JSON.parse(m.decision) as Decision;
  const initial: MessageStatus =
    decision.outcome === 'allow' ? 'accepted' : decision.outcome === 'block' ? 'blocked' : 'escalated';
  return { id: m.id as MessageId, status: initial, decision: summarize(decision) };
}

export function summarize(d: Decision): DecisionSummary {
  return {
    outcome: d.outcome,
    rule: d.rule,
    policyVersion: d.policyVersion,
    reasons: [...d.reasons],
    route: d.route.map((s) => ({ channel: s.channel, content: s.content, tier: s.tier })),
  };
}

/** A digest of the request (without its idempotency key), to tell a replay from a reuse. */
function requestHash(req: SendRequest): string {
  const { idempotencyKey: _, ...rest } = req;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** What the directory says about a user, as the policy sees it; unknown users are all unknown. */
function contactContext(c: Contact | undefined): RecipientContext {
  if (!c) return { capabilities: {} };
  const country = c.phone ? countryOfNumber(c.phone) : undefined;
  return {
    ...(country === undefined ? {} : { country }),
    capabilities: { sms: c.phone !== null, email: c.email !== null, push: c.push.length > 0 },
    consent: c.consent,
  };
}

/**
 * The gateway cannot read end-to-end-encrypted content, so when the policy journals it `sealed`
 * the sender must send the readable copy it sealed to the archive key (refused otherwise, before
 * anything is written). When the policy does not journal the message, the copy is not kept.
 */
function journalCopyFor(content: MessageContent, decision: Decision, status: MessageStatus): MessageContent {
  if (!isMlsContent(content)) return content;
  const journaled = decision.journal === 'sealed' && status !== 'blocked';
  if (journaled && content.journalCopy === undefined)
    throw new HeraldError('HERALD_ERR_JOURNAL_COPY_REQUIRED');
  return journaled ? content : { mls: content.mls };
}
