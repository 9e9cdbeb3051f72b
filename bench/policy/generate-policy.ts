import { stringify } from 'yaml';

/**
 * A synthetic policy of `n` rules for the benchmark. Rules cycle through five shapes (sender
 * app, label, classification + country, label + capability, any-of tenant/retention) so the
 * mix of condition kinds stays the same at every size; the last rule is a catch-all. The
 * benchmark's messages match none of the first n-1 rules, so every decision walks the policy to
 * its end.
 */
export function generatePolicy(n: number): string {
  const rules: unknown[] = [];
  for (let i = 0; i < n - 1; i++) {
    switch (i % 5) {
      case 0:
        rules.push({
          name: `app-${i}`,
          when: { classification: ['public', 'internal'], sender: { app: `app-${i}` } },
          allow: { route: [{ channel: 'sms' }] },
        });
        break;
      case 1:
        rules.push({
          name: `dept-${i}`,
          when: { labels: { dept: `d-${i}` } },
          allow: { route: [{ channel: 'secure' }, { channel: 'sms', content: 'notice' }], journal: 'sealed' },
        });
        break;
      case 2:
        rules.push({
          name: `country-${i}`,
          when: { classification: 'confidential', recipient: { country: countryCode(i) } },
          allow: { route: [{ channel: 'rcs' }, { channel: 'email' }, { channel: 'sms', content: 'notice' }] },
        });
        break;
      case 3:
        rules.push({
          name: `purpose-${i}`,
          when: { labels: { purpose: `p-${i}` }, recipient: { capable: 'rcs' } },
          block: { reason: `purpose p-${i} is not sent to RCS users` },
        });
        break;
      default:
        rules.push({
          name: `review-${i}`,
          when: { any: [{ sender: { tenant: `t-${i}` } }, { retention: `r-${i}` }] },
          escalate: { reason: 'needs review' },
        });
    }
  }
  rules.push({
    name: 'catch-all',
    allow: {
      route: [
        { channel: 'secure', fallback_on: ['unsupported', 'failed'] },
        { channel: 'sms', content: 'notice' },
      ],
    },
  });
  return stringify({ version: 1, name: `bench-${n}`, rules });
}

/** A two-letter code that no benchmark message has (`AA`, `AB`, …). */
function countryCode(i: number): string {
  return String.fromCharCode(65 + (((i / 26) % 26) | 0), 65 + (i % 26));
}
