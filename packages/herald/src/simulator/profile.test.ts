import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isHeraldError } from '../errors/index.ts';
import { loadProfile, parseProfile } from './profile.ts';

function rejects(yaml: string, detail: RegExp): void {
  assert.throws(
    () => parseProfile(yaml),
    (e) => isHeraldError(e) && e.code === 'HERALD_ERR_SIMULATOR_BAD_PROFILE' && detail.test(e.message),
  );
}

describe('simulator profiles', () => {
  test('the shipped default profile is valid and defines the sandbox numbers', () => {
    const profile = loadProfile();
    assert.deepEqual(profile.smsc.accounts, [{ systemId: 'herald', password: 'sandbox' }]);
    assert.deepEqual(profile.smsc.recipients.get('15550000001'), { receipt: 'DELIVRD' });
    assert.deepEqual(profile.smsc.recipients.get('15550000002'), { receipt: 'UNDELIV', err: '001' });
    assert.equal(profile.smsc.recipients.get('15550000003')?.submitStatus, 0x58);
    assert.equal(profile.smsc.recipients.get('15550000004')?.submitStatus, 0x45);
    assert.equal(profile.smsc.recipients.get('15550000005')?.receipt, 'none');
    assert.deepEqual(profile.smsc.recipients.get('15550000006')?.receiptDelayMs, {
      min: 15_000,
      max: 15_000,
    });
    assert.equal(profile.smsc.recipients.get('15550000011')?.reply, 'STOP');
    rejects("smsc:\n  recipients:\n    '+15550000011': { reply: '' }\n", /reply must be 1 to 160 printable/);
  });

  test('fills defaults for an empty document', () => {
    const profile = parseProfile('');
    assert.equal(profile.seed, 1);
    assert.deepEqual(profile.smsc.accounts, []);
    assert.deepEqual(profile.smsc.submitLatencyMs, { min: 0, max: 0 });
    assert.equal(profile.smsc.throttlePerSecond, 0);
    assert.equal(profile.smsc.receiptFormat, 'both');
  });

  test('reads ranges, rates, throttling and numeric statuses', () => {
    const profile = parseProfile(`
seed: 9
smsc:
  submitLatencyMs: { min: 5, max: 10 }
  failureRate: 0.25
  throttle: { maxPerSecond: 100 }
  recipients:
    "15551234567": { submitStatus: 0x45, submitLatencyMs: 3, err: 5 }
`);
    assert.equal(profile.seed, 9);
    assert.deepEqual(profile.smsc.submitLatencyMs, { min: 5, max: 10 });
    assert.equal(profile.smsc.failureRate, 0.25);
    assert.equal(profile.smsc.throttlePerSecond, 100);
    assert.deepEqual(profile.smsc.recipients.get('15551234567'), {
      submitStatus: 0x45,
      submitLatencyMs: { min: 3, max: 3 },
      err: '005',
    });
  });

  test('names the field at fault', () => {
    rejects('seed: 1\nsmsc:\n  recieptDelayMs: 5\n', /unknown field smsc\.recieptDelayMs/);
    rejects('sms: {}\n', /unknown field sms\b/);
    rejects(
      'smsc:\n  receiptDelayMs: { min: 10, max: 5 }\n',
      /smsc\.receiptDelayMs\.min \(10\) is greater than max \(5\)/,
    );
    rejects('smsc:\n  receiptDelayMs: { min: 10 }\n', /needs both min and max/);
    rejects('smsc:\n  failureRate: 1.5\n', /smsc\.failureRate must be a number from 0 to 1/);
    rejects('smsc:\n  throttle: { maxPerSecond: -1 }\n', /smsc\.throttle\.maxPerSecond/);
    rejects('smsc:\n  receiptFormat: xml\n', /receiptFormat must be one of both, text, tlv/);
    rejects(
      'smsc:\n  recipients:\n    "+1555": { submitStatus: ESME_NOPE }\n',
      /recipients\["\+1555"\]\.submitStatus: unknown command_status name ESME_NOPE/,
    );
    rejects('smsc:\n  recipients:\n    "bob": { receipt: DELIVRD }\n', /the key must be a phone number/);
    rejects('smsc:\n  recipients:\n    "+1555": { receipt: SENT }\n', /receipt must be one of/);
    rejects(
      'smsc:\n  accounts:\n    - { systemId: herald, password: much-too-long }\n',
      /accounts\[0\]\.password/,
    );
    rejects('seed: -3\n', /seed must be an integer/);
    rejects('version: 2\n', /only version 1/);
    rejects('- a\n- b\n', /must be a mapping/);
    rejects('smsc: [1, 2\n', /not YAML/);
  });

  test('reports a missing file', () => {
    assert.throws(
      () => loadProfile('/nonexistent/profile.yaml'),
      (e) => isHeraldError(e) && e.code === 'HERALD_ERR_SIMULATOR_BAD_PROFILE' && /ENOENT/.test(e.message),
    );
  });
});
