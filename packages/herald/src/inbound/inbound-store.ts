import type { Kysely } from 'kysely';
import type { Channel, InboundEvent, InboundKind } from '../channels/channel-adapter.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { newId, type MessageId, type TenantId } from '../ids.ts';
import type { Database } from '../storage/schema.ts';
import type { TransactionRunner } from '../storage/transaction-runner.ts';
import { enqueueWebhooks } from '../storage/webhook-store.ts';

/** What became of one inbound event. */
export type InboundOutcome =
  | { readonly kind: 'recorded'; readonly id: string; readonly tenantId: TenantId }
  | { readonly kind: 'duplicate' }
  /** No message was ever sent to that address on that channel: no tenant to give it to. */
  | { readonly kind: 'unmatched' }
  /** Typing indicators are not kept. */
  | { readonly kind: 'ignored' };

/** A reply as its tenant reads it. */
export interface InboundMessage {
  readonly id: string;
  readonly channel: Channel;
  readonly kind: InboundKind;
  readonly from: string;
  readonly inReplyTo: MessageId | null;
  readonly receivedAt: string;
  readonly text?: string;
  readonly postbackData?: string;
}

/**
 * Replies and tapped suggestions, given to the tenant whose message the sender last received
 * on that channel. Recording, de-duplication and the `message.received` webhook commit in one
 * transaction, so a provider that redelivers gets one record and one webhook. Webhooks carry the
 * id and metadata; the text is sealed at rest and read through the API.
 */
export class InboundStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tx: TransactionRunner,
    private readonly box: SecretBox,
  ) {}

  async record(event: InboundEvent, now = Date.now()): Promise<InboundOutcome> {
    if (event.kind === 'typing') return { kind: 'ignored' };
    return this.tx.run(async (trx) => {
      const seen = await trx
        .selectFrom('inbound_messages')
        .select('id')
        .where('channel', '=', event.channel)
        .where('provider_event_id', '=', event.providerEventId)
        .executeTakeFirst();
      if (seen) return { kind: 'duplicate' } as const;
      const last = await trx
        .selectFrom('messages')
        .innerJoin('attempts', 'attempts.message_id', 'messages.id')
        .select(['messages.id', 'messages.tenant_id'])
        .where('messages.recipient', '=', event.from)
        .where('attempts.channel', '=', event.channel)
        .orderBy('messages.created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!last) return { kind: 'unmatched' } as const;
      const id = newId<string>('inb');
      const body = JSON.stringify({ text: event.text, postbackData: event.postbackData });
      await trx
        .insertInto('inbound_messages')
        .values({
          id,
          tenant_id: last.tenant_id,
          channel: event.channel,
          provider_event_id: event.providerEventId,
          kind: event.kind,
          sender: event.from,
          in_reply_to: last.id,
          sealed: this.box.seal(body, id),
          received_at: event.at.getTime(),
        })
        .execute();
      await enqueueWebhooks(
        trx,
        last.tenant_id,
        {
          type: 'message.received',
          data: { id, channel: event.channel, kind: event.kind, from: event.from, inReplyTo: last.id },
        },
        now,
      );
      return { kind: 'recorded', id, tenantId: last.tenant_id as TenantId } as const;
    });
  }

  /** One reply with its text, or `undefined` when the tenant has no such reply. */
  async get(tenantId: TenantId, id: string): Promise<InboundMessage | undefined> {
    const row = await this.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const body = JSON.parse(this.box.open(row.sealed, row.id)) as { text?: string; postbackData?: string };
    return { ...view(row), ...body };
  }

  /**
   * Deletes replies received before `before` (their retention is over), at most `batch` per
   * transaction so a large backlog never holds the writer for long. Returns how many went.
   */
  async expire(before: number, batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const gone = await this.tx.run(async (trx) => {
        const ids = await trx
          .selectFrom('inbound_messages')
          .select('id')
          .where('received_at', '<', before)
          .orderBy('received_at')
          .limit(batch)
          .execute();
        if (ids.length === 0) return 0;
        await trx
          .deleteFrom('inbound_messages')
          .where(
            'id',
            'in',
            ids.map((r) => r.id),
          )
          .execute();
        return ids.length;
      });
      total += gone;
      if (gone < batch) return total;
    }
  }

  /** The tenant's replies, newest first, without their text. */
  async list(tenantId: TenantId, opts: { before?: number; limit: number }): Promise<InboundMessage[]> {
    let q = this.db.selectFrom('inbound_messages').selectAll().where('tenant_id', '=', tenantId);
    if (opts.before !== undefined) q = q.where('received_at', '<', opts.before);
    const rows = await q.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(view);
  }
}

function view(row: {
  id: string;
  channel: string;
  kind: string;
  sender: string;
  in_reply_to: string | null;
  received_at: number;
}): InboundMessage {
  return {
    id: row.id,
    channel: row.channel as Channel,
    kind: row.kind as InboundKind,
    from: row.sender,
    inReplyTo: row.in_reply_to as MessageId | null,
    receivedAt: new Date(row.received_at).toISOString(),
  };
}
