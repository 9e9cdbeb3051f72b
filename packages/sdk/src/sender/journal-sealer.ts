/**
 * The journal copy of an end-to-end-encrypted message, as the sender client sends it along in
 * `content.journalCopy`: sealed with HPKE to the archive public key (the server's journal
 * envelope format), so neither the gateway nor anyone but the archive key's holder can read it.
 * Binary values are standard base64.
 */
export interface SealedJournalCopy {
  readonly v: 1;
  readonly id: string;
  readonly enc: string;
  readonly key: string;
  readonly ct: string;
}

/** What is sealed: the readable message and who it went to (never sent in clear). */
export interface JournalCopyInput {
  readonly text: string;
  /** As the API names them (`user:<id>`). */
  readonly recipients: readonly string[];
  readonly clientReference?: string;
}

/**
 * Seals journal copies to the archive public key the compliance team gave this service (the
 * port the sender client takes as `journal`; `journalSealer()` in `@herald/sdk/node` builds it
 * on the server's own sealing code). `archiveKey` is the pinned key, standard base64.
 */
export interface JournalSealer {
  readonly archiveKey: string;
  /** Seals `copy`, bound to the MLS message sent with it (its digest goes inside). */
  seal(copy: JournalCopyInput, mlsMessage: Uint8Array): SealedJournalCopy;
}
