import * as crypto from 'node:crypto';
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import {
  hpkeOpenAt,
  hpkeSealAt,
  setupBaseRecipient,
  setupBaseSender,
  x25519PublicKey,
  type HpkeContextKeys,
  type X25519Decapsulator,
} from '../crypto/hpke.ts';
import { randomBytesPooled } from '../crypto/random-pool.ts';
import { HeraldError } from '../errors/index.ts';
import type { OpenedEnvelope } from './key-vault.ts';

// HPKE `info` (RFC 9180 §5.1): binds every journal encapsulation to this use and version.
const HPKE_INFO = Buffer.from('herald journal data key v1');
const IV_SIZE = 12;
const TAG_SIZE = 16;

/**
 * A record sealed for the archive. The record is encrypted with its own random AES-256-GCM data
 * key; the data key is sealed with HPKE to the archive public key. Destroying `sealedKey`
 * crypto-shreds the record while `ciphertext` (and so the leaf) stays.
 */
export interface SealedEnvelope {
  readonly recordId: string;
  /** HPKE encapsulated key (`enc`). */
  readonly enc: Uint8Array;
  /** HPKE sequence number of this data key within the encapsulation (RFC 9180 §5.2). */
  readonly encSeq: number;
  /** The HPKE-sealed data key, or null once shredded. */
  readonly sealedKey: Uint8Array | null;
  /** IV ‖ AES-256-GCM(data key, record) ‖ tag, with the record id as associated data. */
  readonly ciphertext: Uint8Array;
}

const digestScratch = Buffer.alloc(256);

/**
 * SHA-256(enc ‖ u32 seq ‖ sealed key): the commitment to the sealed data key that the journal
 * leaf holds, so the leaf still verifies after the sealed key itself is deleted.
 */
export function sealedKeyDigest(enc: Uint8Array, encSeq: number, sealedKey: Uint8Array): Buffer {
  // One input buffer, reused (the digest reads it synchronously), and a one-shot digest: this
  // runs for every captured and every verified record.
  const length = enc.length + 4 + sealedKey.length;
  const input = length <= digestScratch.length ? digestScratch.subarray(0, length) : Buffer.alloc(length);
  input.set(enc, 0);
  input.writeUInt32BE(encSeq, enc.length);
  input.set(sealedKey, enc.length + 4);
  const digest = sha256(input);
  input.fill(0); // no copy of a sealed key outlives a shred in this buffer
  return digest;
}

/** SHA-256 in one call (`crypto.hash`, Node >= 20.12), else through `createHash`. */
export const sha256: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** Options for {@link RecordSealer}. */
export interface RecordSealerOptions {
  /**
   * How many data keys one HPKE encapsulation seals (as messages 0, 1, … of one HPKE context,
   * RFC 9180 §5.2) before a fresh one is made. 1 is strict single-shot; larger amortises the
   * X25519 work. Default 64; see docs/adr/0005-journal.md for the trade-off.
   */
  readonly recordsPerEncapsulation?: number;
  /** The longest an encapsulation stays in use, in milliseconds (default 1000). */
  readonly maxContextAgeMs?: number;
  readonly now?: () => number;
}

interface SenderContext {
  readonly keys: HpkeContextKeys;
  readonly enc: Buffer;
  readonly createdAt: number;
  next: number;
}

/**
 * Seals journal records to the archive public key. Holds no secret that opens past records
 * beyond the current HPKE context, which it drops after a bounded number of records or time.
 */
export class RecordSealer {
  readonly #publicKey: KeyObject;
  readonly #perContext: number;
  readonly #maxAge: number;
  readonly #now: () => number;
  #context: SenderContext | undefined;

  constructor(archivePublicKey: Uint8Array, opts: RecordSealerOptions = {}) {
    this.#publicKey = x25519PublicKey(archivePublicKey);
    this.#perContext = Math.max(1, Math.min(opts.recordsPerEncapsulation ?? 64, 2 ** 31));
    this.#maxAge = opts.maxContextAgeMs ?? 1000;
    this.#now = opts.now ?? Date.now;
  }

  /** Seals `plaintext` as record `recordId`. */
  seal(recordId: string, plaintext: Uint8Array): SealedEnvelope {
    const ctx = this.#current();
    const encSeq = ctx.next++;
    const aad = Buffer.from(recordId, 'utf8');
    // One draw from the CSPRNG pool for key and IV; the pool zeroes what it hands out, and the
    // key is zeroed here after use, so no copy of a data key outlives its sealing.
    const random = randomBytesPooled(32 + IV_SIZE);
    const dataKey = random.subarray(0, 32);
    const iv = random.subarray(32);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(aad);
    const head = cipher.update(plaintext);
    const tail = cipher.final(); // empty for GCM (a stream mode); kept in case that ever changes
    const body = tail.length === 0 ? head : Buffer.concat([head, tail]);
    const ciphertext = Buffer.allocUnsafe(IV_SIZE + body.length + TAG_SIZE);
    ciphertext.set(iv, 0);
    ciphertext.set(body, IV_SIZE);
    ciphertext.set(cipher.getAuthTag(), IV_SIZE + body.length);
    const sealedKey = hpkeSealAt(ctx.keys, encSeq, aad, dataKey);
    random.fill(0);
    return { recordId, enc: ctx.enc, encSeq, sealedKey, ciphertext };
  }

  #current(): SenderContext {
    const now = this.#now();
    const ctx = this.#context;
    if (ctx !== undefined && ctx.next < this.#perContext && now - ctx.createdAt < this.#maxAge) return ctx;
    const keys = setupBaseSender(this.#publicKey, HPKE_INFO);
    this.#context = {
      keys: { key: keys.key, baseNonce: keys.baseNonce },
      enc: keys.enc,
      createdAt: now,
      next: 0,
    };
    return this.#context;
  }
}

/** Decrypts a record's ciphertext with its data key (also used by export verification). */
export function decryptRecord(recordId: string, dataKey: Uint8Array, ciphertext: Uint8Array): Buffer {
  if (ciphertext.length < IV_SIZE + TAG_SIZE) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, ciphertext.subarray(0, IV_SIZE));
  decipher.setAAD(Buffer.from(recordId, 'utf8'));
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_SIZE));
  return Buffer.concat([
    decipher.update(ciphertext.subarray(IV_SIZE, ciphertext.length - TAG_SIZE)),
    decipher.final(),
  ]);
}

/**
 * Opens envelopes with an X25519 decapsulator (a key file or an HSM), caching each HPKE context
 * so a batch sealed under one encapsulation costs one X25519 operation to open.
 */
export class EnvelopeOpener {
  readonly #recipient: X25519Decapsulator;
  readonly #contexts = new Map<string, Promise<HpkeContextKeys>>();

  constructor(recipient: X25519Decapsulator) {
    this.#recipient = recipient;
  }

  async open(sealed: SealedEnvelope): Promise<OpenedEnvelope> {
    if (sealed.sealedKey === null) {
      throw new HeraldError('HERALD_ERR_JOURNAL_SHREDDED', { id: sealed.recordId });
    }
    try {
      const cacheKey = Buffer.from(sealed.enc).toString('base64');
      let keys = this.#contexts.get(cacheKey);
      if (keys === undefined) {
        if (this.#contexts.size > 1024) this.#contexts.clear();
        keys = setupBaseRecipient(this.#recipient, sealed.enc, HPKE_INFO);
        this.#contexts.set(cacheKey, keys);
      }
      const aad = Buffer.from(sealed.recordId, 'utf8');
      const dataKey = hpkeOpenAt(await keys, sealed.encSeq, aad, sealed.sealedKey);
      return { dataKey, plaintext: decryptRecord(sealed.recordId, dataKey, sealed.ciphertext) };
    } catch (cause) {
      throw new HeraldError('HERALD_ERR_JOURNAL_OPEN_FAILED', { id: sealed.recordId }, { cause });
    }
  }
}
