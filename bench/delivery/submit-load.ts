import { Agent, request } from 'node:http';
import type { DeliveryTracker } from './delivery-tracker.ts';

/** One HTTP request to send; `undefined` body for a GET. */
export interface Submit {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A gateway under test: how to submit message `i`, and which id its receipts will carry. */
export interface Gateway {
  readonly name: string;
  /** Its processes, whose CPU time the run charges to it. */
  readonly pids: readonly number[];
  submit(i: number): Submit;
  /** The id the callbacks use: known up front (Kannel's dlr-url) or read from the answer (Herald). */
  idOf(i: number, status: number, body: string): string | undefined;
}

/**
 * Submits `tracker.size` messages with `concurrency` requests in flight (each worker sends its
 * next message when the previous one is answered), over keep-alive connections, then waits until
 * every message has a final state or none arrives for `idleMs`.
 */
export async function runLoad(
  gateway: Gateway,
  tracker: DeliveryTracker,
  concurrency: number,
  idleMs: number,
): Promise<{ refused: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let refused = 0;
  const worker = async (): Promise<void> => {
    while (next < tracker.size) {
      const i = next++;
      const s = gateway.submit(i);
      tracker.submitting(i);
      const answer = await send(agent, s).catch(() => ({ status: 0, body: '' }));
      const id =
        answer.status >= 200 && answer.status < 300 ? gateway.idOf(i, answer.status, answer.body) : undefined;
      if (id === undefined) {
        refused++;
        tracker.refused(i);
      } else tracker.bind(i, id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tracker.size) }, worker));
  await tracker.settled(idleMs);
  agent.destroy();
  return { refused };
}

/**
 * One request. When the server closes an idle keep-alive connection just as a request goes out on
 * it, the request fails with ECONNRESET and no answer; it is sent again on a fresh connection, as
 * Node's documentation advises for this race (both gateways get the same client).
 */
function send(agent: Agent, s: Submit): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(s.url, { method: s.method, agent, headers: s.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && err.code === 'ECONNRESET') send(agent, s).then(resolve, reject);
      else reject(err);
    });
    req.end(s.body);
  });
}
