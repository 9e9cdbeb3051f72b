import { createHash, randomBytes } from 'node:crypto';

/**
 * A device's bearer token: 32 random bytes behind the `hdv_` prefix, shown once at enrollment
 * and stored as a SHA-256 hash (full entropy, so a fast hash is sound — see `api/api-key.ts`).
 * The prefix keeps device tokens and API keys apart: a device can never act as a tenant's key.
 */
export function generateDeviceToken(): { token: string; hash: string } {
  const token = `hdv_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashDeviceToken(token) };
}

export function hashDeviceToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeDeviceToken(token: string): boolean {
  return /^hdv_[A-Za-z0-9_-]{43}$/.test(token);
}
