import { COMMAND_STATUS } from '../../channels/sms/smpp-status.ts';
import { REGISTERED_DELIVERY_FAILURE, REGISTERED_DELIVERY_FINAL } from '../../channels/sms/smpp-wire.ts';
import type { ProfileReceipt, SmscProfile } from '../profile.ts';
import { intBetween, type Random } from '../prng.ts';

/** A receipt the SMSC will send for an accepted message. */
export interface PlannedReceipt {
  /** SMPP 3.4 Appendix B stat word. */
  readonly stat: Exclude<ProfileReceipt, 'none'>;
  /** Appendix B `err:` field. */
  readonly err: string;
  readonly delayMs: number;
  /** The recipient's answer, sent as a mobile-originated message once the receipt is taken. */
  readonly reply?: string;
}

/** What the SMSC does with one submit_sm. */
export interface SubmitOutcome {
  /** command_status of the submit_sm_resp; 0 accepts. */
  readonly status: number;
  /** Delay before the submit_sm_resp. */
  readonly latencyMs: number;
  /** Absent when no receipt will be sent (refused, not requested, or the profile says none). */
  readonly receipt?: PlannedReceipt;
}

/**
 * Decides a submit's fate from the profile: a rule for the destination wins; otherwise the
 * random failure and undelivered rates apply, drawn from `random` (which the caller derives from
 * the seed and the message id, so the decision is reproducible). Pure; throttling and queue
 * limits are stateful and checked by the caller first.
 */
export function decideSubmit(
  profile: SmscProfile,
  submit: { readonly destination: string; readonly registeredDelivery: number },
  random: Random,
): SubmitOutcome {
  const rule = profile.recipients.get(submit.destination);
  const latency = rule?.submitLatencyMs ?? profile.submitLatencyMs;
  const latencyMs = intBetween(random, latency.min, latency.max);
  const status =
    rule?.submitStatus ??
    (random() < profile.failureRate ? COMMAND_STATUS.ESME_RSYSERR : COMMAND_STATUS.ESME_ROK);
  if (status !== COMMAND_STATUS.ESME_ROK) return { status, latencyMs };

  const stat = rule?.receipt ?? (random() < profile.undeliveredRate ? 'UNDELIV' : 'DELIVRD');
  if (stat === 'none' || !wantsReceipt(submit.registeredDelivery, stat)) return { status, latencyMs };
  const delay = rule?.receiptDelayMs ?? profile.receiptDelayMs;
  return {
    status,
    latencyMs,
    receipt: {
      stat,
      err: rule?.err ?? (stat === 'DELIVRD' ? '000' : '001'),
      delayMs: intBetween(random, delay.min, delay.max),
      ...(stat === 'DELIVRD' && rule?.reply !== undefined ? { reply: rule.reply } : {}),
    },
  };
}

// SMPP 3.4 §5.2.17 registered_delivery bits 1–0: 01 receipt on success or failure, 10 on failure
// only, 00 none.
function wantsReceipt(registeredDelivery: number, stat: string): boolean {
  const mode = registeredDelivery & 0x03;
  if (mode === REGISTERED_DELIVERY_FINAL) return true;
  if (mode === REGISTERED_DELIVERY_FAILURE) return stat !== 'DELIVRD';
  return false;
}
