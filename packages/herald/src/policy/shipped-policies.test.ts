import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkPolicy } from './load-policy.ts';
import { formatCaseReport, loadPolicyCases } from './run-policy-cases.ts';

const DIR = new URL('../../../../docs/policies/', import.meta.url);

describe('shipped policies (docs/policies)', () => {
  for (const name of ['default', 'bank', 'hospital']) {
    it(`${name}.yaml loads without warnings and passes ${name}.cases.yaml and its own tests`, () => {
      const source = readFileSync(new URL(`${name}.yaml`, DIR), 'utf8');
      const casesFile = `docs/policies/${name}.cases.yaml`;
      const cases = loadPolicyCases(readFileSync(new URL(`${name}.cases.yaml`, DIR), 'utf8'), {
        filename: casesFile,
      });
      assert.ok(cases.length >= 8, 'each shipped policy comes with a real set of cases');
      const r = checkPolicy(source, { filename: `docs/policies/${name}.yaml`, cases });
      assert.ok(
        r.ok,
        r.ok ? '' : `${r.error.message}\n${r.report === undefined ? '' : formatCaseReport(r.report)}`,
      );
      assert.deepEqual(r.warnings, []);
      assert.equal(r.report.total, cases.length + r.policy.cases.length);
    });
  }

  it('the default policy never sends restricted content below e2ee, whatever the recipient can do', () => {
    const r = checkPolicy(readFileSync(new URL('default.yaml', DIR), 'utf8'));
    assert.ok(r.ok);
    for (const sms of [true, false, undefined]) {
      for (const secure of [true, false, undefined]) {
        const d = r.policy.decide(
          {
            tenantId: 't',
            classification: 'restricted',
            retention: 's',
            labels: { purpose: 'otp' },
            recipient: { kind: 'phone', address: '+4915112345678' },
          },
          {
            capabilities: {
              ...(sms === undefined ? {} : { sms }),
              ...(secure === undefined ? {} : { secure }),
            },
          },
        );
        assert.deepEqual(
          d.route.filter((s) => s.content === 'full').map((s) => s.channel),
          ['secure'],
        );
      }
    }
  });
});
