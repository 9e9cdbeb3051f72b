import { hashLeafText, type Hash } from '../tlog/index.ts';
import { sha256 } from './record-envelope.ts';

/** The stored columns a journal leaf commits to: clear metadata and digests of the sealed parts. */
export interface JournalLeafFields {
  readonly id: string;
  readonly tenantId: string;
  readonly messageId: string | null;
  readonly kind: string;
  readonly retention: string;
  readonly capturedAt: number;
  readonly labels: readonly string[];
  readonly subjects: readonly string[];
  /** `sealedKeyDigest(enc, encSeq, sealedKey)`: survives shredding. */
  readonly keyDigest: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/**
 * The leaf bytes of a journal record: a versioned line, then a JSON array of the metadata and
 * base64 SHA-256 digests of the sealed data key and the ciphertext. The log verifies without
 * decrypting, and a shredded record (sealed key deleted) still recomputes to the same leaf.
 */
export function journalLeafBytes(f: JournalLeafFields): Uint8Array {
  return Buffer.from(journalLeafText(f), 'utf8');
}

/** RFC 9162 §2.1.1 leaf hash of a journal record. */
export function journalLeafHash(f: JournalLeafFields): Hash {
  return hashLeafText(journalLeafText(f));
}

function journalLeafText(f: JournalLeafFields): string {
  const fields = [
    f.id,
    f.tenantId,
    f.messageId,
    f.kind,
    f.retention,
    Number(f.capturedAt),
    f.labels,
    f.subjects,
    view(f.keyDigest).toString('base64'),
    sha256(f.ciphertext).toString('base64'),
  ];
  return `herald-journal-leaf/v1\n${JSON.stringify(fields)}`;
}

/** A Buffer over the same memory, for its base64 encoder (no copy). */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
