import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SubmitWindow } from './submit-window.ts';

const aborted = (): Error => new Error('aborted');

describe('SubmitWindow', () => {
  test('hands out at most `size` slots and serves waiters in order', async () => {
    const window = new SubmitWindow(2);
    await window.acquire(undefined, aborted);
    await window.acquire(undefined, aborted);
    assert.equal(window.outstanding, 2);
    const order: number[] = [];
    const third = window.acquire(undefined, aborted).then(() => order.push(3));
    const fourth = window.acquire(undefined, aborted).then(() => order.push(4));
    assert.equal(window.waiting, 2);
    window.release();
    await third;
    assert.deepEqual(order, [3]);
    assert.equal(window.outstanding, 2);
    window.release();
    await fourth;
    assert.deepEqual(order, [3, 4]);
    window.release();
    window.release();
    assert.equal(window.outstanding, 0);
  });

  test('an aborted waiter leaves the queue without taking a slot', async () => {
    const window = new SubmitWindow(1);
    await window.acquire(undefined, aborted);
    const controller = new AbortController();
    const waiting = window.acquire(controller.signal, aborted);
    controller.abort();
    await assert.rejects(waiting, /aborted/);
    assert.equal(window.waiting, 0);
    window.release();
    assert.equal(window.outstanding, 0);
  });

  test('rejects at once when the signal has already aborted', async () => {
    const window = new SubmitWindow(1);
    await assert.rejects(window.acquire(AbortSignal.abort(), aborted), /aborted/);
    assert.equal(window.outstanding, 0);
  });

  test('rejectWaiters fails the queue and keeps held slots', async () => {
    const window = new SubmitWindow(1);
    await window.acquire(undefined, aborted);
    const waiting = window.acquire(undefined, aborted);
    window.rejectWaiters(new Error('link down'));
    await assert.rejects(waiting, /link down/);
    assert.equal(window.outstanding, 1);
  });

  test('refuses a size below one', () => {
    assert.throws(() => new SubmitWindow(0), RangeError);
  });
});
