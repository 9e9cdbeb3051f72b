import { HeraldError } from '../errors/index.ts';
import { isUserId } from '../keys/user-id.ts';
import type { RecipientKind } from '../policy/decision.ts';

/** E.164: a plus, a non-zero country code digit, at most 15 digits in all (ITU-T E.164 §6). */
const E164 = /^\+[1-9][0-9]{6,14}$/;
/** A deliberately plain address check: one @, no spaces, a dotted domain; SMTP decides the rest. */
const EMAIL =
  /^[^\s@<>()[\],;:"]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** The prefix that names a Herald user as a recipient: `user:alice` is user `alice`. */
export const USER_PREFIX = 'user:';

/** The user id a `user:` recipient names (`undefined` when it is not one). */
export function userIdOf(recipient: string): string | undefined {
  if (!recipient.startsWith(USER_PREFIX)) return undefined;
  const id = recipient.slice(USER_PREFIX.length);
  return isUserId(id) ? id : undefined;
}

/** Classifies a recipient, or throws HERALD_ERR_MESSAGE_INVALID_RECIPIENT. */
export function parseRecipient(to: string): { kind: RecipientKind; address: string } {
  if (E164.test(to)) return { kind: 'phone', address: to };
  if (userIdOf(to) !== undefined) return { kind: 'user', address: to };
  if (EMAIL.test(to)) return { kind: 'email', address: to.toLowerCase() };
  throw new HeraldError('HERALD_ERR_MESSAGE_INVALID_RECIPIENT');
}
