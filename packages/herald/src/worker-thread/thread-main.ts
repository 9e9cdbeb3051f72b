// Runs inside the delivery worker thread: the dispatcher, the channel adapters that receive
// receipts on their own sessions (SMPP), the journal and key directory sequencers, with a
// database connection of its own. The API thread drives it with `ToThread` messages.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { startGateway, type Gateway } from '../gateway.ts';
import { ThreadWriteLock } from '../storage/thread-write-lock.ts';
import type { FromThread, ThreadData, ToThread } from './thread-protocol.ts';

const port = parentPort!;
const { config, logLevel, writeLock } = workerData as ThreadData;
const log = pino({ level: logLevel }).child({ thread: 'worker' });
const post = (m: FromThread): void => port.postMessage(m);

let gw: Gateway;
try {
  gw = await startGateway({
    config,
    api: false,
    worker: true,
    sandbox: false,
    threads: true,
    writeLock: new ThreadWriteLock(writeLock),
    logger: log,
  });
} catch (err) {
  // Codes only: an error message could carry configuration values.
  post({ type: 'failed', code: String((err as { code?: unknown }).code ?? (err as Error).name) });
  port.close();
  process.exit(1);
}

port.on('message', (m: ToThread) => {
  if (m.type === 'wake') gw.dispatcher?.wake();
  else if (m.type === 'problems') post({ type: 'problems', id: m.id, problems: gw.problems() });
  else if (m.type === 'close') {
    void gw.close().finally(() => {
      post({ type: 'closed' });
      port.close();
    });
  }
});
post({ type: 'started' });
