import type { MessageFacts } from './decision.ts';

/*
 * ITU-T E.164 country calling codes → ISO 3166-1 alpha-2, for the numbers a caller did not
 * already resolve. Shared codes that cannot be told apart by prefix alone (+1 NANP) are left out:
 * the caller must pass `country` for them, and a country condition on an unknown country fails.
 */
// prettier-ignore
const CALLING_CODES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    '7': 'RU', '76': 'KZ', '77': 'KZ', '20': 'EG', '27': 'ZA', '30': 'GR', '31': 'NL', '32': 'BE',
    '33': 'FR', '34': 'ES', '36': 'HU', '39': 'IT', '40': 'RO', '41': 'CH', '43': 'AT', '44': 'GB',
    '45': 'DK', '46': 'SE', '47': 'NO', '48': 'PL', '49': 'DE', '51': 'PE', '52': 'MX', '53': 'CU',
    '54': 'AR', '55': 'BR', '56': 'CL', '57': 'CO', '58': 'VE', '60': 'MY', '61': 'AU', '62': 'ID',
    '63': 'PH', '64': 'NZ', '65': 'SG', '66': 'TH', '81': 'JP', '82': 'KR', '84': 'VN', '86': 'CN',
    '90': 'TR', '91': 'IN', '92': 'PK', '93': 'AF', '94': 'LK', '95': 'MM', '98': 'IR', '212': 'MA',
    '213': 'DZ', '216': 'TN', '218': 'LY', '221': 'SN', '233': 'GH', '234': 'NG', '254': 'KE',
    '255': 'TZ', '256': 'UG', '351': 'PT', '352': 'LU', '353': 'IE', '354': 'IS', '356': 'MT',
    '357': 'CY', '358': 'FI', '359': 'BG', '370': 'LT', '371': 'LV', '372': 'EE', '380': 'UA',
    '385': 'HR', '386': 'SI', '420': 'CZ', '421': 'SK', '852': 'HK', '886': 'TW', '961': 'LB',
    '962': 'JO', '965': 'KW', '966': 'SA', '971': 'AE', '972': 'IL', '974': 'QA',
  }),
);

/** The country of an E.164 number (`+4915…` → `DE`), or `undefined` when it is ambiguous or unknown. */
export function countryOfNumber(e164: string): string | undefined {
  if (e164.charCodeAt(0) !== 43 /* + */) return undefined;
  for (let len = 3; len >= 1; len--) {
    const hit = CALLING_CODES.get(e164.slice(1, 1 + len));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** The recipient's country: the caller's answer when given, else derived from a phone number. */
export function recipientCountry(message: MessageFacts, country: string | undefined): string | undefined {
  if (country !== undefined) return country;
  return message.recipient.kind === 'phone' ? countryOfNumber(message.recipient.address) : undefined;
}
