import { randomBytes } from 'node:crypto';
import { HeraldError } from '../errors/index.ts';
import type { KeyVault } from './key-vault.ts';
import { RecordSealer, sha256 } from './record-envelope.ts';

/**
 * The journal copy of an end-to-end-encrypted message, sealed on the sender's side (DESIGN
 * decision 8; docs/secure-channel.md). The gateway only forwards MLS ciphertext it cannot read,
 * so the readable copy the archive needs is made where the plaintext is: in the sending
 * service's process, sealed to the archive public key the compliance team gave it. The gateway
 * stores the sealed copy inside the journal record it captures for the message and can never
 * open it; `herald journal export` opens both with the archive key.
 */

/** What the sender seals: the readable message, bound to the ciphertext it sent. */
export interface SenderCopy {
  readonly v: 1;
  readonly text: string;
  /** Recipients as the API names them (`user:<id>`). */
  readonly recipients: readonly string[];
  /** The sender's own reference for the message, if it gave one. */
  readonly clientReference?: string;
  /** Base64 SHA-256 of the MLS message bytes sent with it: an export can check the pairing. */
  readonly mlsDigest: string;
}

/**
 * The sealed copy as it travels in `POST /v1/messages` (`content.journalCopy`) and sits in the
 * journal record: the journal's own envelope format (`record-envelope.ts`: a per-copy
 * AES-256-GCM data key, sealed single-shot with HPKE to the archive key, `id` as associated
 * data). Binary values are standard base64.
 */
export interface SealedSenderCopy {
  readonly v: 1;
  /** `sc_` and 22 base64url characters, random: the associated data of both layers. */
  readonly id: string;
  /** HPKE encapsulated key (32 bytes). */
  readonly enc: string;
  /** The HPKE-sealed data key (48 bytes). */
  readonly key: string;
  /** IV ‖ AES-256-GCM(copy) ‖ tag. */
  readonly ct: string;
}

/** Bounds the API schema enforces (a copy of the largest text fits well inside). */
export const SENDER_COPY_LIMITS = {
  idPattern: '^sc_[A-Za-z0-9_-]{22}$',
  encChars: 44,
  keyChars: 64,
  /** Ciphertext of at most 96 KiB (text is at most 10,000 characters). */
  maxCtChars: 4 * Math.ceil((96 * 1024) / 3),
} as const;

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** Base64 SHA-256 of an MLS message, as {@link SenderCopy.mlsDigest} holds it. */
export function mlsDigest(mlsMessage: Uint8Array): string {
  return b64(sha256(mlsMessage));
}

/**
 * Seals `copy` to the archive public key (raw 32-byte X25519). One fresh HPKE encapsulation
 * per copy: a sender process keeps no context that could open another copy.
 */
export function sealSenderCopy(archivePublicKey: Uint8Array, copy: SenderCopy): SealedSenderCopy {
  const id = `sc_${randomBytes(16).toString('base64url')}`;
  const sealer = new RecordSealer(archivePublicKey, { recordsPerEncapsulation: 1 });
  const s = sealer.seal(id, Buffer.from(JSON.stringify(copy), 'utf8'));
  return { v: 1, id, enc: b64(s.enc), key: b64(s.sealedKey!), ct: b64(s.ciphertext) };
}

/** Opens a sealed copy with the archive key (export only); the copy and its data key. */
export async function openSenderCopy(
  vault: Pick<KeyVault, 'open'>,
  sealed: SealedSenderCopy,
): Promise<{ copy: SenderCopy; dataKey: Uint8Array }> {
  const opened = await vault.open({
    recordId: sealed.id,
    enc: Buffer.from(sealed.enc, 'base64'),
    encSeq: 0,
    sealedKey: Buffer.from(sealed.key, 'base64'),
    ciphertext: Buffer.from(sealed.ct, 'base64'),
  });
  let copy: SenderCopy;
  try {
    copy = JSON.parse(Buffer.from(opened.plaintext).toString('utf8')) as SenderCopy;
  } catch (cause) {
    throw new HeraldError('HERALD_ERR_JOURNAL_OPEN_FAILED', { id: sealed.id }, { cause });
  }
  return { copy, dataKey: opened.dataKey };
}
