// Shared by the channel adapter tests: messages, polling, and a webhook receiver that mounts an
// adapter's `handleWebhook` the way the API's route does (raw body in, status and body out).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ChannelAdapter, OutboundMessage } from '../../src/channels/channel-adapter.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import type { AttemptId, MessageId, TenantId } from '../../src/ids.ts';

let seq = 0;

/** A message to `to` with a fresh id (unique across test files in one run). */
export function testMessage(to: string, over: Partial<OutboundMessage> = {}): OutboundMessage {
  seq++;
  const unique = `${process.pid.toString(36)}${Date.now().toString(36)}${seq}`;
  return {
    messageId: `msg_t${unique}` as MessageId,
    attemptId: `att_t${unique}` as AttemptId,
    tenantId: 'ten_test' as TenantId,
    to,
    body: 'Your code is 123456',
    contentKind: 'full',
    ...over,
  };
}

/** Polls `check` every 5 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** An assertion for `assert.rejects`: a HeraldError with this code and retryability. */
export function heraldCode(code: string, retryable: boolean) {
  return (err: unknown): boolean => {
    assert.ok(isHeraldError(err), `expected a HeraldError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.isRetryable, retryable, `${code} retryable`);
    return true;
  };
}

/** A running webhook receiver. */
export interface WebhookReceiver {
  readonly url: string;
  /** Status codes answered, in order. */
  readonly answers: number[];
  close(): Promise<void>;
}

/** Serves `adapter.handleWebhook` on 127.0.0.1 (ephemeral port) at any path. */
export async function startWebhookReceiver(
  adapter: Pick<ChannelAdapter, 'handleWebhook'>,
): Promise<WebhookReceiver> {
  const answers: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void adapter.handleWebhook!(Buffer.concat(chunks), req.headers).then((reply) => {
        answers.push(reply.status);
        res.writeHead(
          reply.status,
          reply.contentType === undefined ? {} : { 'content-type': reply.contentType },
        );
        res.end(reply.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhooks/provider`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
