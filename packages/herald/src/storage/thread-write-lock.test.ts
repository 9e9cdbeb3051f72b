import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ThreadWriteLock } from './thread-write-lock.ts';

describe('ThreadWriteLock', () => {
  it('serves waiters in the order they asked, one at a time', async () => {
    const lock = new ThreadWriteLock(ThreadWriteLock.buffer());
    const order: string[] = [];
    await lock.acquire();
    const waiters = ['a', 'b', 'c'].map((name) =>
      lock.acquire().then(() => {
        order.push(name);
        lock.release();
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, [], 'nobody runs while the lock is held');
    lock.release();
    await Promise.all(waiters);
    assert.deepEqual(order, ['a', 'b', 'c']);
  });

  it('excludes another thread, whose wait does not block it, until released', async () => {
    const buffer = ThreadWriteLock.buffer();
    const lock = new ThreadWriteLock(buffer);
    await lock.acquire();
    // A plain script thread taking the same ticket lock on the same cells.
    const thread = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const cells = new Int32Array(workerData);
       // A pending Atomics.waitAsync does not keep a thread alive; a timer does (a server's
       // sockets do in Herald).
       const keep = setInterval(() => {}, 60000);
       (async () => {
         const ticket = Atomics.add(cells, 0, 1);
         parentPort.postMessage('waiting');
         for (;;) {
           const serving = Atomics.load(cells, 1);
           if (serving === ticket) break;
           const w = Atomics.waitAsync(cells, 1, serving);
           if (w.async) await w.value;
         }
         parentPort.postMessage('acquired');
         Atomics.add(cells, 1, 1);
         Atomics.notify(cells, 1);
         clearInterval(keep);
       })();`,
      { eval: true, workerData: buffer },
    );
    const messages: string[] = [];
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const acquired = new Promise<void>((resolve) =>
      thread.on('message', (m: string) => {
        messages.push(m);
        if (m === 'waiting') waiting();
        if (m === 'acquired') resolve();
      }),
    );
    await isWaiting;
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(messages, ['waiting'], 'the thread waits while this one holds the lock');
    lock.release();
    await acquired;
    await lock.acquire(); // released again by the thread
    lock.release();
    await thread.terminate();
  });

  it('refuses a buffer of the wrong size', () => {
    assert.throws(() => new ThreadWriteLock(new SharedArrayBuffer(4)), RangeError);
  });
});
