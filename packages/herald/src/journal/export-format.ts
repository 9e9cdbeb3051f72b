import type { InclusionProofJson } from '../tlog/index.ts';
import type { SenderCopy } from './sender-copy.ts';

/** The manifest of an export directory (`manifest.json`). */
export interface ExportManifest {
  readonly format: 'herald-journal-export/v1';
  readonly exportId: string;
  readonly origin: string;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly requestedBy: string;
  readonly approvedBy: readonly string[];
  /** The signed checkpoint every proof verifies against (file name). */
  readonly checkpoint: string;
  readonly treeSize: number;
  readonly records: ReadonlyArray<{
    readonly index: number;
    readonly id: string;
    readonly file: string;
    readonly eml?: string;
    readonly shredded: boolean;
  }>;
}

/** One exported record (`records/<index>.json`). Binary fields are standard base64. */
export interface ExportedRecord {
  readonly id: string;
  readonly index: number;
  readonly meta: {
    readonly tenantId: string;
    readonly messageId: string | null;
    readonly kind: string;
    readonly retention: string;
    readonly capturedAt: number;
    readonly labels: readonly string[];
    readonly subjects: readonly string[];
  };
  readonly sealed: {
    readonly enc: string;
    readonly encSeq: number;
    /** Null once the record was crypto-shredded. */
    readonly sealedKey: string | null;
    readonly keyDigest: string;
    readonly ciphertext: string;
  };
  /** The data key, so a verifier without the archive key can re-decrypt; null when shredded. */
  readonly dataKey: string | null;
  /** The decrypted record; null when shredded. */
  readonly record: unknown;
  readonly shredded: boolean;
  /**
   * For an end-to-end-encrypted message: the journal copy its sender sealed (it sits in
   * `record.content.senderCopy`), opened with the archive key, and whether its `mlsDigest` is
   * the digest of the MLS message captured with it. `error` instead when it does not open.
   */
  readonly senderCopy?: ExportedSenderCopy;
  readonly inclusionProof: InclusionProofJson;
  readonly checkpoint: string;
}

/** A sender-sealed journal copy in an export (see {@link ExportedRecord.senderCopy}). */
export type ExportedSenderCopy =
  | {
      readonly id: string;
      /** The copy's data key, so a verifier without the archive key can re-decrypt. */
      readonly dataKey: string;
      readonly copy: SenderCopy;
      readonly matchesMessage: boolean;
    }
  | { readonly id: string; readonly error: string };
