import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProfile } from '../profile.ts';
import { hashSeed, mulberry32 } from '../prng.ts';
import { decideSubmit } from './submit-outcome.ts';

const profile = parseProfile(`
smsc:
  receiptDelayMs: { min: 10, max: 20 }
  recipients:
    "+15550000002": { receipt: UNDELIV, err: "007" }
    "+15550000003": { submitStatus: ESME_RTHROTTLED }
    "+15550000005": { receipt: none }
    "+15550000006": { receipt: DELIVRD, receiptDelayMs: 15000, submitLatencyMs: 40 }
`).smsc;
const random = mulberry32(1);

describe('decideSubmit', () => {
  test('accepts and plans a DELIVRD receipt by default', () => {
    const outcome = decideSubmit(profile, { destination: '15559999999', registeredDelivery: 1 }, random);
    assert.equal(outcome.status, 0);
    assert.equal(outcome.latencyMs, 0);
    assert.equal(outcome.receipt?.stat, 'DELIVRD');
    assert.equal(outcome.receipt?.err, '000');
    assert.ok(outcome.receipt.delayMs >= 10 && outcome.receipt.delayMs <= 20);
  });

  test('follows the rule for a sandbox number', () => {
    assert.deepEqual(decideSubmit(profile, { destination: '15550000003', registeredDelivery: 1 }, random), {
      status: 0x58,
      latencyMs: 0,
    });
    const undelivered = decideSubmit(profile, { destination: '15550000002', registeredDelivery: 1 }, random);
    assert.equal(undelivered.receipt?.stat, 'UNDELIV');
    assert.equal(undelivered.receipt?.err, '007');
    assert.equal(
      decideSubmit(profile, { destination: '15550000005', registeredDelivery: 1 }, random).receipt,
      undefined,
    );
    const slow = decideSubmit(profile, { destination: '15550000006', registeredDelivery: 1 }, random);
    assert.equal(slow.latencyMs, 40);
    assert.equal(slow.receipt?.delayMs, 15_000);
  });

  test('honours registered_delivery (SMPP 3.4 §5.2.17)', () => {
    assert.equal(
      decideSubmit(profile, { destination: '15559999999', registeredDelivery: 0 }, random).receipt,
      undefined,
    );
    assert.equal(
      decideSubmit(profile, { destination: '15559999999', registeredDelivery: 2 }, random).receipt,
      undefined,
    );
    assert.equal(
      decideSubmit(profile, { destination: '15550000002', registeredDelivery: 2 }, random).receipt?.stat,
      'UNDELIV',
    );
  });

  test('applies the random rates reproducibly per message id', () => {
    const flaky = parseProfile('smsc:\n  failureRate: 0.3\n  undeliveredRate: 0.5\n').smsc;
    const run = (): string[] =>
      Array.from({ length: 1000 }, (_, i) => {
        const o = decideSubmit(
          flaky,
          { destination: '1', registeredDelivery: 1 },
          mulberry32(hashSeed(5, `msg_${i}`, 0)),
        );
        return o.status === 0 ? (o.receipt?.stat ?? 'none') : 'SYSERR';
      });
    const first = run();
    assert.deepEqual(run(), first);
    const failed = first.filter((s) => s === 'SYSERR').length;
    const undelivered = first.filter((s) => s === 'UNDELIV').length;
    assert.ok(failed > 240 && failed < 360, `failed ${failed}`);
    assert.ok(undelivered > 280 && undelivered < 420, `undelivered ${undelivered}`);
  });
});
