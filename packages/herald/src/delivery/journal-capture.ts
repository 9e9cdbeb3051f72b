import type { Journal } from '../journal/journal.ts';
import type { Decision } from '../policy/decision.ts';
import type { MessageRow } from '../storage/message-store.ts';
import type { Store } from '../storage/store.ts';
import { isMlsContent, type MessageContent } from '../messages/message-content.ts';

/**
 * Captures a message the policy journals `sealed`, once, at the mediation boundary: before its
 * first transmission, with the content as it will be sent, sealed to the archive key.
 */
export async function captureBeforeSend(
  store: Store,
  journal: Journal,
  m: MessageRow,
  content: MessageContent,
  decision: Decision,
): Promise<void> {
  await store.tx.run(async (trx) => {
    const done = await trx
      .selectFrom('journal_records')
      .select('id')
      .where('message_id', '=', m.id)
      .executeTakeFirst();
    if (done) return;
    await journal.capture(trx, {
      tenantId: m.tenant_id,
      messageId: m.id,
      kind: m.recipient_kind === 'email' ? 'email' : 'message',
      retention: m.retention,
      labels: Object.entries(JSON.parse(m.labels) as Record<string, string>).map(([k, v]) => `${k}=${v}`),
      recipients: [m.recipient],
      // MLS content is captured as the ciphertext it is, with the readable copy the sender
      // sealed to the archive key (accept refuses a journaled MLS message without one); the
      // gateway cannot open it (docs/secure-channel.md).
      content: isMlsContent(content)
        ? { mls: content.mls, ...(content.journalCopy ? { senderCopy: content.journalCopy } : {}) }
        : { text: content.text },
      decision,
    });
  });
}
