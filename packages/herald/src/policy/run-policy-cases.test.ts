import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../errors/index.ts';
import { builtinPolicy } from './builtin-policy.ts';
import { checkPolicy, loadPolicy } from './load-policy.ts';
import { diagnosticsOf } from './policy-diagnostics.ts';
import { formatCaseReport, loadPolicyCases, runPolicyCases } from './run-policy-cases.ts';

const POLICY = `version: 1
name: small
rules:
  - name: restricted
    when: { classification: restricted }
    allow: { route: [{ channel: secure }, { channel: sms, content: notice }], journal: sealed }
  - name: rest
    when: { classification: [public, internal] }
    allow: { route: [{ channel: sms }] }
`;

const CASES = `cases:
  - name: restricted goes secure
    message: { classification: restricted, to: '+4915112345678' }
    expect: { outcome: allow, rule: restricted, route: [secure:full, sms:notice], below_minimum_tier: [sms], journal: sealed, minimum_tier: e2ee }
  - name: wrong on purpose
    message: { classification: internal, to: '+4915112345678', labels: { purpose: otp } }
    expect: { rule: otp, route: [rcs], journal: sealed, reasons_include: [matched, nowhere to be found] }
`;

describe('policy test cases', () => {
  const policy = loadPolicy(POLICY).policy;

  it('reports each case as a value with the fields that differ', () => {
    const report = runPolicyCases(policy, loadPolicyCases(CASES, { filename: 'small.cases.yaml' }));
    assert.deepEqual([report.ok, report.total, report.passed, report.failed], [false, 2, 1, 1]);
    assert.equal(report.policyVersion, policy.version);
    const failed = report.results[1]!;
    assert.equal(failed.ok, false);
    assert.deepEqual(
      failed.differences.map((d) => [d.field, d.expected, d.actual]),
      [
        ['rule', '"otp"', '"rest"'],
        ['route', '[rcs]', '[sms:full]'],
        ['journal', 'sealed', 'none'],
        ['reasons', 'a reason containing "nowhere to be found"', JSON.stringify(failed.decision.reasons)],
      ],
    );
  });

  it('prints a readable diff with the case position', () => {
    const report = runPolicyCases(policy, loadPolicyCases(CASES, { filename: 'small.cases.yaml' }));
    const text = formatCaseReport(report);
    assert.match(text, /^ {2}✗ wrong on purpose {2}\(small\.cases\.yaml:5:5\)$/m);
    assert.match(text, /^ {6}rule {5}- expected "otp"$/m);
    assert.match(text, /^ {15}\+ actual {3}"rest"$/m);
    assert.match(text, /^1 passed, 1 failed \(2 cases, policy sha256:/m);
    assert.doesNotMatch(text, /✓/, 'passing cases only with verbose');
    assert.match(formatCaseReport(report, { verbose: true }), /✓ restricted goes secure/);
  });

  it('runs against any PolicyEngine, the built-in one too', () => {
    const report = runPolicyCases(builtinPolicy, loadPolicyCases(CASES));
    assert.equal(report.results[0]!.decision.outcome, 'block');
  });

  it('names the line and column of an invalid cases file', () => {
    assert.throws(
      () =>
        loadPolicyCases(
          'cases:\n  - name: x\n    message: { classification: secret, to: "+1" }\n    expect: { outcome: allow }\n',
          { filename: 'c.yaml' },
        ),
      (err: unknown) => {
        assert.ok(err instanceof HeraldError);
        assert.equal(err.code, 'HERALD_ERR_POLICY_CASES_INVALID');
        assert.deepEqual(
          diagnosticsOf(err).map((d) => [d.line, d.column]),
          [[3, 32]],
        );
        return true;
      },
    );
    assert.throws(() => loadPolicyCases('cases: [', { filename: 'c.yaml' }), /c\.yaml:1:/);
  });

  it('activates a policy only when its embedded tests and the given cases pass', () => {
    const withTests = `${POLICY}tests:\n  - name: public by sms\n    message: { classification: public, to: '+4915112345678' }\n    expect: { route: [sms:full] }\n`;
    const ok = checkPolicy(withTests);
    assert.ok(ok.ok);
    assert.equal(ok.report.total, 1);
    const bad = checkPolicy(withTests, { cases: loadPolicyCases(CASES) });
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    assert.equal(bad.error.code, 'HERALD_ERR_POLICY_CASES_FAILED');
    assert.equal(bad.error.message, '1 of 3 policy test cases fail; the policy was not activated');
    assert.equal(bad.report?.failed, 1);
    const broken = checkPolicy('version: 1\nname: x\nrules: []\n');
    assert.equal(broken.ok, false);
    if (!broken.ok) assert.equal(broken.error.code, 'HERALD_ERR_POLICY_INVALID');
  });
});
