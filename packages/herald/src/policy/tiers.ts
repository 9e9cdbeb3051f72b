import type { Channel, SecurityTier } from './decision.ts';
import type { Classification } from './decision.ts';

/**
 * The security tier of each channel (DESIGN decision 4). The policy engine keeps its own copy so
 * that it depends on no adapter: a tier is a property of the channel, not of a deployment.
 */
export const CHANNEL_TIERS: Readonly<Record<Channel, SecurityTier>> = {
  secure: 'e2ee',
  rcs: 'transport',
  email: 'transport',
  // Push is TLS to APNs/FCM, but Herald never puts content in a push payload (DESIGN, secure
  // channel row): a push step can only ever carry a notice.
  push: 'transport',
  sms: 'plaintext',
};

/** Every channel a policy may name, in the order of CHANNEL_TIERS. */
export const POLICY_CHANNELS: readonly Channel[] = Object.keys(CHANNEL_TIERS) as Channel[];

/** Channels that can never carry full content, whatever the tier. */
export const NOTICE_ONLY_CHANNELS: ReadonlySet<Channel> = new Set<Channel>(['push']);

const RANK: Readonly<Record<SecurityTier, number>> = { plaintext: 0, transport: 1, e2ee: 2 };

/** Orders tiers: a higher rank is more secure. */
export function tierRank(tier: SecurityTier): number {
  return RANK[tier];
}

/** The more secure of two tiers. */
export function maxTier(a: SecurityTier, b: SecurityTier): SecurityTier {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The lowest minimum tier any policy may set for a classification. A policy's
 * `defaults.min_tier` may raise these, never lower them, so "restricted content as SMS" cannot
 * be written by editing the defaults either.
 */
export const TIER_FLOORS: Readonly<Record<Classification, SecurityTier>> = {
  public: 'plaintext',
  internal: 'plaintext',
  confidential: 'transport',
  restricted: 'e2ee',
};
