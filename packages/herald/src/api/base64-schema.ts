import { Type } from '@fastify/type-provider-typebox';

// Standard base64 (RFC 4648 §4) with padding: whole quanta only, so decoding loses nothing.
const BASE64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/** A TypeBox schema for standard base64 of at most `maxBytes` bytes. */
export const Base64 = (maxBytes: number, options: { description?: string } = {}) =>
  Type.String({ pattern: BASE64, minLength: 4, maxLength: 4 * Math.ceil(maxBytes / 3), ...options });

/** Decodes a string the {@link Base64} schema accepted. */
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export const toBase64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
