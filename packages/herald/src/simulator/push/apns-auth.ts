import { verify, type KeyObject } from 'node:crypto';

/** The APNs `reason` for a provider token that is not acceptable, or undefined when it is. */
export type ApnsAuthProblem = 'MissingProviderToken' | 'InvalidProviderToken' | 'ExpiredProviderToken';

/**
 * Checks an APNs provider token the way APNs does (Apple, "Establishing a token-based
 * connection to APNs"): `authorization: bearer <JWT>`, header alg ES256 with the expected kid,
 * claim iss the team id, iat no older than one hour, and an ES256 signature by the team's key.
 */
export function checkApnsToken(
  authorization: string | undefined,
  expected: { teamId: string; keyId: string; publicKey: KeyObject },
  now: number = Date.now(),
): ApnsAuthProblem | undefined {
  const m = /^bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(authorization ?? '');
  if (m === null) return authorization === undefined ? 'MissingProviderToken' : 'InvalidProviderToken';
  const [, h, c, s] = m;
  let header: { alg?: unknown; kid?: unknown };
  let claims: { iss?: unknown; iat?: unknown };
  try {
    header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(c!, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return 'InvalidProviderToken';
  }
  if (header.alg !== 'ES256' || header.kid !== expected.keyId || claims.iss !== expected.teamId)
    return 'InvalidProviderToken';
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${c}`),
    { key: expected.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s!, 'base64url'),
  );
  if (!ok) return 'InvalidProviderToken';
  if (typeof claims.iat !== 'number' || now / 1000 - claims.iat > 3600) return 'ExpiredProviderToken';
  return undefined;
}
