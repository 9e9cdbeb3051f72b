import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPeriodically } from './periodic-task.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('runPeriodically', () => {
  void it('runs at once, never overlaps itself, keeps going after a failure, and stop waits for the run in flight', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    let finished = 0;
    const errors: unknown[] = [];
    const task = runPeriodically(
      async () => {
        runs++;
        running++;
        if (running > 1) overlapped = true;
        await sleep(30); // longer than the interval: a naive setInterval would overlap
        running--;
        finished++;
        if (runs === 2) throw new Error('second run fails');
      },
      5,
      (err) => errors.push(err),
    );
    await sleep(10);
    assert.equal(runs, 1, 'the first run starts right away');
    while (runs < 4) await sleep(5);
    await task.stop();
    assert.equal(running, 0, 'stop returned only after the run in flight ended');
    assert.equal(finished, runs);
    assert.equal(overlapped, false);
    assert.equal(errors.length, 1);
    const after = runs;
    await sleep(50);
    assert.equal(runs, after, 'no run after stop');
  });
});
