import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are 32 random bytes behind a readable prefix. They have full entropy, so a single
 * SHA-256 is a sound way to store them (as GitHub and Stripe do for tokens): a slow password
 * hash would only slow every request down without making a leaked hash easier to protect.
 */
export function generateApiKey(): { key: string; hash: string } {
  const key = `hk_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A cheap shape check, so random strings never reach the database. */
export function looksLikeApiKey(key: string): boolean {
  return /^hk_[A-Za-z0-9_-]{43}$/.test(key);
}
