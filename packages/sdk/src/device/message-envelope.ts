import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { fromUtf8, toHex, utf8 } from '../util/base64.ts';

/** The longest text one message carries. */
export const MAX_TEXT = 100_000;

/** Application plaintext: a small JSON envelope, so content types can grow without a new wire format. */
interface Envelope {
  readonly v: 1;
  readonly text: string;
}

/** The plaintext MLS encrypts for `text`; refuses empty or oversized text. */
export function sealEnvelope(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT)
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', {
      detail: `text must be 1 to ${MAX_TEXT} characters`,
    });
  const envelope: Envelope = { v: 1, text };
  return utf8(JSON.stringify(envelope));
}

/** The text in a decrypted plaintext; `HERALD_SDK_BAD_RESPONSE` for an envelope it does not know. */
export function openEnvelope(plaintext: Uint8Array): string {
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(fromUtf8(plaintext)) as Partial<Envelope>;
  } catch (cause) {
    throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: 'unknown message envelope' }, { cause });
  }
  if (envelope?.v !== 1 || typeof envelope.text !== 'string')
    throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: 'unknown message envelope' });
  return envelope.text;
}

const OWN_MESSAGES_KEPT = 1000;

/**
 * The application messages this device encrypted recently: the server fans a message sent
 * through `POST /v1/messages` out to every member device, this one included, and MLS cannot
 * decrypt a device's own messages (RFC 9420 §6.3.2), so those are skipped. Bounded.
 */
export class OwnMessages {
  readonly #keys = new Set<string>();

  add(message: Uint8Array): void {
    this.#keys.add(ownKey(message));
    // The oldest go first (a Set iterates in insertion order).
    for (const k of this.#keys) {
      if (this.#keys.size <= OWN_MESSAGES_KEPT) break;
      this.#keys.delete(k);
    }
  }

  /** Whether `message` is one of this device's own (forgetting it: each comes back once). */
  take(message: Uint8Array): boolean {
    return this.#keys.delete(ownKey(message));
  }
}

/**
 * Names one of this device's own ciphertexts: its length and last 32 bytes, which end with the
 * AEAD tag (RFC 9420 §6.3.1), unique per message. Cheaper than hashing every incoming message.
 */
function ownKey(message: Uint8Array): string {
  return `${message.length}:${toHex(message.subarray(Math.max(message.length - 32, 0)))}`;
}
