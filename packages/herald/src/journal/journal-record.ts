/** Kinds of journaled record; `email` records are also exported as RFC 5322 `.eml` files. */
export const JOURNAL_RECORD_KINDS = ['message', 'email'] as const;
export type JournalRecordKind = (typeof JOURNAL_RECORD_KINDS)[number];

/**
 * What the journal captures for one regulated message, before transmission (DESIGN decision 8).
 * All of it is sealed; only the fields marked "clear" are also stored unencrypted, as metadata
 * for retention, legal holds and export selection.
 */
export interface JournalRecord {
  /** Clear. */
  readonly tenantId: string;
  /** Clear. */
  readonly messageId?: string;
  /** Clear. `email` records carry `content.subject` and `from`. */
  readonly kind: JournalRecordKind;
  /** Clear: the retention class name (config maps it to a duration). */
  readonly retention: string;
  /** Clear. */
  readonly labels?: readonly string[];
  /** Sealed; stored in clear only as salted hashes, so holds can match them. */
  readonly recipients: readonly string[];
  /** Sealed; the sender (user id or address), also hashed for holds. */
  readonly from?: string;
  /** Sealed: the message content as sent. */
  readonly content: { readonly text?: string; readonly subject?: string; readonly [k: string]: unknown };
  /** Sealed: the policy decision (route, reasons, policy version). */
  readonly decision?: unknown;
  /** Sealed: attempts metadata known at capture. */
  readonly attempts?: readonly unknown[];
}

/** The clear metadata of a stored record (no content). */
export interface JournalRecordMeta {
  readonly id: string;
  readonly tenantId: string;
  readonly messageId: string | null;
  readonly kind: string;
  readonly retention: string;
  readonly capturedAt: number;
  readonly labels: readonly string[];
  /** Hashed subjects (see `subject-hash.ts`). */
  readonly subjects: readonly string[];
}
