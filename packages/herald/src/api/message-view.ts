import type { AttemptRow, EventRow, MessageRow, ReceiptRow } from '../storage/message-store.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public shape of a message in lists: metadata only, never content. */
export function messageSummary(m: MessageRow) {
  return {
    id: m.id,
    to: m.recipient,
    classification: m.classification,
    retention: m.retention,
    labels: JSON.parse(m.labels) as Record<string, string>,
    status: m.status,
    createdAt: iso(m.created_at),
    updatedAt: iso(m.updated_at),
    expiresAt: iso(m.expires_at),
  };
}

/** A message with its full timeline: decision, attempts, receipts and every status change. */
export function messageDetail(
  m: MessageRow,
  t: { events: EventRow[]; attempts: AttemptRow[]; receipts: ReceiptRow[] },
) {
  return {
    ...messageSummary(m),
    decision: JSON.parse(m.decision) as unknown,
    attempts: t.attempts.map((a) => ({
      id: a.id,
      step: a.step,
      channel: a.channel,
      tier: a.tier,
      content: a.content_kind,
      providerMessageId: a.provider_message_id,
      status: a.status,
      errorCode: a.error_code,
      startedAt: iso(a.started_at),
      finishedAt: iso(a.finished_at),
    })),
    receipts: t.receipts.map((r) => ({
      channel: r.channel,
      providerMessageId: r.provider_message_id,
      status: r.status,
      providerStatus: r.provider_status,
      errorCode: r.error_code,
      at: iso(r.at),
      receivedAt: iso(r.received_at),
    })),
    timeline: t.events.map((e) => ({
      at: iso(e.at),
      type: e.type,
      status: e.status,
      ...(JSON.parse(e.data) as Record<string, unknown>),
    })),
  };
}
