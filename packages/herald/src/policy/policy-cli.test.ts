import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyExplainCommand, policyTestCommand, type PolicyCliIo } from './policy-cli.ts';

const FILES: Record<string, string> = {
  'p.yaml': `version: 1
name: cli
rules:
  - name: otp-rcs
    when: { labels: { purpose: otp }, recipient: { capable: rcs }, classification: { at_most: confidential } }
    allow: { route: [{ channel: rcs }] }
  - name: everyday
    when: { classification: [public, internal] }
    allow: { route: [{ channel: sms }] }
tests:
  - name: embedded
    message: { classification: public, to: '+4915112345678' }
    expect: { rule: everyday }
`,
  'good.cases.yaml': `cases:
  - name: otp by rcs
    message: { classification: internal, to: '+4915112345678', labels: { purpose: otp } }
    recipient: { capabilities: { rcs: true } }
    expect: { rule: otp-rcs, route: [rcs:full] }
`,
  'bad.cases.yaml': `cases:
  - name: otp by rcs
    message: { classification: internal, to: '+4915112345678', labels: { purpose: otp } }
    expect: { rule: otp-rcs }
`,
  'broken.yaml': 'version: 1\nname: b\nrules:\n  - name: a\n    allow: { route: [{ channel: fax }] }\n',
};

function io(): PolicyCliIo & { out: string; err: string } {
  const state = {
    out: '',
    err: '',
    readFile: (path: string): Promise<string> => {
      const text = FILES[path];
      if (text === undefined) return Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' }));
      return Promise.resolve(text);
    },
    stdout: (t: string): void => void (state.out += t),
    stderr: (t: string): void => void (state.err += t),
  };
  return state;
}

describe('herald policy test', () => {
  it('exits 0 when every case passes, embedded ones included', async () => {
    const t = io();
    assert.equal(await policyTestCommand(['p.yaml', 'good.cases.yaml'], t), 0);
    assert.match(t.out, /^2 passed, 0 failed/m);
  });

  it('exits 1 and prints a diff when a case fails', async () => {
    const t = io();
    assert.equal(await policyTestCommand(['p.yaml', 'bad.cases.yaml'], t), 1);
    assert.match(t.out, /✗ otp by rcs {2}\(bad\.cases\.yaml:2:5\)/);
    assert.match(t.out, /rule {2}- expected "otp-rcs"\n {12}\+ actual {3}"everyday"/);
  });

  it('exits 2 with positioned errors for a broken policy, a missing file or no arguments', async () => {
    const broken = io();
    assert.equal(await policyTestCommand(['broken.yaml', 'good.cases.yaml'], broken), 2);
    assert.match(broken.err, /^error: broken\.yaml:5:33: unknown channel "fax"/m);
    const missing = io();
    assert.equal(await policyTestCommand(['p.yaml', 'nope.yaml'], missing), 2);
    assert.match(missing.err, /nope\.yaml: cannot read: ENOENT/);
    const usage = io();
    assert.equal(await policyTestCommand([], usage), 2);
    assert.match(usage.err, /^usage: herald policy test/);
  });
});

describe('herald policy explain', () => {
  it('explains a message given on the command line', async () => {
    const t = io();
    const code = await policyExplainCommand(
      [
        'p.yaml',
        '--classification',
        'internal',
        '--to',
        '+4915112345678',
        '--label',
        'purpose=otp',
        '--capable',
        'rcs',
      ],
      t,
    );
    assert.equal(code, 0, t.err);
    assert.match(t.out, /^decision {2}ALLOW by rule "otp-rcs" \(rule 1\)$/m);
    assert.match(
      t.out,
      /✓ 1\. otp-rcs: classification is internal and label purpose is "otp" and recipient is reachable on rcs/,
    );
  });

  it('explains the cases of a cases file, or one picked by name', async () => {
    const t = io();
    assert.equal(await policyExplainCommand(['p.yaml', 'good.cases.yaml', '--case', 'otp by rcs'], t), 0);
    assert.match(t.out, /by rule "otp-rcs"/);
    const none = io();
    assert.equal(await policyExplainCommand(['p.yaml', 'good.cases.yaml', '--case', 'nope'], none), 2);
  });

  it('refuses incomplete or wrong flags', async () => {
    const t = io();
    assert.equal(await policyExplainCommand(['p.yaml', '--to', '+1'], t), 2);
    assert.match(t.err, /--classification and --to are required/);
    const bad = io();
    assert.equal(
      await policyExplainCommand(
        ['p.yaml', '--classification', 'public', '--to', '+1', '--capable', 'fax'],
        bad,
      ),
      2,
    );
    assert.match(bad.err, /--capable fax: unknown channel/);
  });
});
