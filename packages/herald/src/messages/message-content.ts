import type { SecretBox } from '../crypto/secret-box.ts';
import type { SealedSenderCopy } from '../journal/sender-copy.ts';

/** End-to-end-encrypted content: an MLS application message for a group (base64 values). */
export interface MlsContent {
  readonly groupId: string;
  readonly message: string;
}

/**
 * What `POST /v1/messages` carries: text the gateway may read, or ciphertext encrypted in the
 * sender's process for the secure channel, which the gateway can only forward.
 */
export type MessageContent =
  | { readonly text: string }
  | {
      readonly mls: MlsContent;
      /** The journal copy the sender sealed to the archive key; kept only when the policy journals. */
      readonly journalCopy?: SealedSenderCopy;
    };

export const isMlsContent = (c: MessageContent): c is { readonly mls: MlsContent } => 'mls' in c;

// The kind of content is bound into the associated data, so a stored text can never be opened
// as an MLS envelope (or the reverse), whatever the text says; text keeps the plain message id,
// so stored text opens as before.
const aad = (id: string, mls: boolean) => (mls ? `${id}#mls` : id);

/** Seals content at rest, bound to its message. */
export function sealContent(box: SecretBox, content: MessageContent, id: string): string {
  return isMlsContent(content)
    ? box.seal(
        JSON.stringify({
          groupId: content.mls.groupId,
          message: content.mls.message,
          ...(content.journalCopy ? { journalCopy: content.journalCopy } : {}),
        }),
        aad(id, true),
      )
    : box.seal(content.text, aad(id, false));
}

/** Opens content sealed by {@link sealContent}; throws when it belongs to another message. */
export function openContent(box: SecretBox, sealed: string, id: string): MessageContent {
  try {
    return { text: box.open(sealed, aad(id, false)) };
  } catch {
    const mls = JSON.parse(box.open(sealed, aad(id, true))) as MlsContent & {
      journalCopy?: SealedSenderCopy;
    };
    return {
      mls: { groupId: mls.groupId, message: mls.message },
      ...(mls.journalCopy ? { journalCopy: mls.journalCopy } : {}),
    };
  }
}
