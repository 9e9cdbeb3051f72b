import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ThreadInboxSignal } from './thread-inbox-signal.ts';

describe('ThreadInboxSignal', () => {
  it("tells this thread's listeners and another instance's listeners, each for its own device only", async () => {
    const api = new ThreadInboxSignal();
    const worker = new ThreadInboxSignal();
    try {
      const heard: string[] = [];
      api.subscribe('dev_a', (seq) => heard.push(`api a ${seq}`));
      api.subscribe('dev_b', (seq) => heard.push(`api b ${seq}`));
      worker.subscribe('dev_a', (seq) => heard.push(`worker a ${seq}`));
      const got = new Promise<void>((resolve) => api.subscribe('dev_a', () => resolve()));
      await worker.announce([{ deviceId: 'dev_a', seq: 7 }]);
      await got;
      assert.deepEqual(heard.sort(), ['api a 7', 'worker a 7']);
    } finally {
      await api.close();
      await worker.close();
    }
  });

  it('hears announcements posted from another thread and ignores malformed ones', async () => {
    const signal = new ThreadInboxSignal();
    try {
      const heard: number[] = [];
      const got = new Promise<void>((resolve) =>
        signal.subscribe('dev_x', (seq) => {
          heard.push(seq);
          resolve();
        }),
      );
      // A plain script thread (no TypeScript loader needed): one bad message, then a good one.
      const thread = new Worker(
        `const { BroadcastChannel } = require('node:worker_threads');
         const c = new BroadcastChannel('herald-inbox');
         c.postMessage([['dev_x', 'not a number'], 'junk']);
         c.postMessage([['dev_x', 3]]);
         c.close();`,
        { eval: true },
      );
      await got;
      await thread.terminate();
      assert.deepEqual(heard, [3]);
    } finally {
      await signal.close();
    }
  });
});
