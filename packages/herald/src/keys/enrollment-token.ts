import { createHash, randomBytes } from 'node:crypto';

/** How long an enrollment token lives unless the admin says otherwise (24 h). */
export const DEFAULT_ENROLLMENT_TTL_SECONDS = 86_400;
/** Longest lifetime an admin may give an enrollment token (30 days). */
export const MAX_ENROLLMENT_TTL_SECONDS = 30 * 86_400;

/**
 * A one-time enrollment token: 32 random bytes behind the `het_` prefix, handed to one person
 * out of band and stored as a SHA-256 hash (full entropy, so a fast hash is sound — see
 * `api/api-key.ts`). It is the only credential `POST /v1/devices` takes.
 */
export function generateEnrollmentToken(): { token: string; hash: string } {
  const token = `het_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashEnrollmentToken(token) };
}

export function hashEnrollmentToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A cheap shape check, so random strings never reach the database. */
export function looksLikeEnrollmentToken(token: string): boolean {
  return /^het_[A-Za-z0-9_-]{43}$/.test(token);
}
