import { HeraldError } from '../errors/index.ts';
import type { RecipientKind } from '../policy/decision.ts';

/** E.164: a plus, a non-zero country code digit, at most 15 digits in all (ITU-T E.164 §6). */
const E164 = /^\+[1-9][0-9]{6,14}$/;
/** A deliberately plain address check: one @, no spaces, a dotted domain; SMTP decides the rest. */
const EMAIL =
  /^[^\s@<>()[\],;:"]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** Herald user ids, as issued by the directory: `user:` then a short opaque name. */
const USER = /^user:[A-Za-z0-9._-]{1,128}$/;

/** Classifies a recipient, or throws HERALD_ERR_MESSAGE_INVALID_RECIPIENT. */
export function parseRecipient(to: string): { kind: RecipientKind; address: string } {
  if (E164.test(to)) return { kind: 'phone', address: to };
  if (USER.test(to)) return { kind: 'user', address: to };
  if (EMAIL.test(to)) return { kind: 'email', address: to.toLowerCase() };
  throw new HeraldError('HERALD_ERR_MESSAGE_INVALID_RECIPIENT');
}

/** Country calling codes for the countries a default install is most likely to see. */
const CALLING_CODES: ReadonlyArray<readonly [string, string]> = [
  ['1', 'US'],
  ['44', 'GB'],
  ['33', 'FR'],
  ['49', 'DE'],
  ['34', 'ES'],
  ['39', 'IT'],
  ['31', 'NL'],
  ['32', 'BE'],
  ['41', 'CH'],
  ['43', 'AT'],
  ['45', 'DK'],
  ['46', 'SE'],
  ['47', 'NO'],
  ['353', 'IE'],
  ['351', 'PT'],
  ['358', 'FI'],
  ['48', 'PL'],
  ['61', 'AU'],
  ['64', 'NZ'],
  ['81', 'JP'],
  ['91', 'IN'],
  ['55', 'BR'],
  ['52', 'MX'],
];

/** The country of an E.164 number when its calling code is known (longest prefix wins). */
export function countryOf(e164: string): string | undefined {
  let best: readonly [string, string] | undefined;
  for (const entry of CALLING_CODES) {
    if (e164.startsWith(`+${entry[0]}`) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  return best?.[1];
}
