import { behaviourFor, drawMs, prefixMatch } from '../control/behaviour.ts';
import type { HttpFault, RbmProfile, RbmRecipientRule, RcsCapability } from '../profile-rbm.ts';
import type { Random } from '../prng.ts';

/** What the simulated RBM platform does with one accepted agent message. */
export interface RbmPlan {
  /** Delay before the API answers. */
  readonly latencyMs: number;
  /** A fault to answer with instead of accepting. */
  readonly fault?: HttpFault;
  /** When the DELIVERED event follows acceptance; absent: never delivered. */
  readonly deliverAfterMs?: number;
  /** When the READ event follows delivery; absent: never read. */
  readonly readAfterMs?: number;
  /** A user reply sent shortly after the read. */
  readonly reply?: RbmRecipientRule['reply'];
}

/** Whether a number is on RCS according to the profile (a rule, else the default). */
export function capabilityOf(profile: RbmProfile, phone: string): RcsCapability {
  return profile.recipients.get(phone)?.rcs ?? profile.defaultCapable;
}

/**
 * Decides one send's fate from the profile: a rule for the number wins, then the region's
 * behaviour, then the base behaviour; random draws come from `random`, which the caller derives
 * from the seed and the message id so a run replays. Pure; throttling, outages and capability
 * are checked by the caller first.
 */
export function decideRbmSend(profile: RbmProfile, phone: string, random: Random): RbmPlan {
  const rule = profile.recipients.get(phone);
  const b = behaviourFor(profile.behaviour, profile.regions, prefixMatch(phone));
  const latencyMs = drawMs(random, rule?.latencyMs ?? b.latencyMs);
  if (rule?.send !== undefined) return { latencyMs, fault: rule.send };
  if (random() < b.failureRate) return { latencyMs, fault: 'internal' };
  const delivered =
    rule?.delivery !== undefined ? rule.delivery === 'delivered' : random() >= b.undeliveredRate;
  if (!delivered) return { latencyMs };
  const deliverAfterMs = drawMs(random, rule?.deliveryDelayMs ?? b.deliveryDelayMs);
  const read = rule?.read ?? random() < b.readRate;
  if (!read) return { latencyMs, deliverAfterMs };
  const readAfterMs = drawMs(random, rule?.readDelayMs ?? b.readDelayMs);
  return rule?.reply === undefined
    ? { latencyMs, deliverAfterMs, readAfterMs }
    : { latencyMs, deliverAfterMs, readAfterMs, reply: rule.reply };
}
