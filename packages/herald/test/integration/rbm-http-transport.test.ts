import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { nodeHttpTransport } from '../../src/channels/rcs/http-transport.ts';
import { requestJson } from '../../src/channels/rcs/json-http.ts';
import { isHeraldError } from '../../src/errors/index.ts';

/** A real HTTP peer for each way a provider answers (or does not). */
describe('RBM JSON client over node:http', () => {
  const transport = nodeHttpTransport();
  let server: Server;
  let base: string;
  const seen: Array<{ method: string; body: string; type: string | undefined }> = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, body, type: req.headers['content-type'] });
        if (req.url === '/ok') res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
        else if (req.url === '/empty') res.writeHead(204).end();
        else if (req.url === '/redirect') res.writeHead(302, { location: 'http://elsewhere.test/' }).end();
        else if (req.url === '/truncated') {
          res.writeHead(200, { 'content-length': '100' });
          res.write('{"partial"');
          setTimeout(() => res.destroy(), 20);
        } else if (req.url === '/slow') setTimeout(() => res.end('{}'), 2_000);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    transport.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const call = (path: string, extra: { signal?: AbortSignal; timeoutMs?: number; body?: unknown } = {}) =>
    requestJson({
      channel: 'rcs',
      method: extra.body === undefined ? 'GET' : 'POST',
      url: `${base}${path}`,
      headers: { accept: 'application/json' },
      body: extra.body,
      signal: extra.signal,
      timeoutMs: extra.timeoutMs ?? 1_000,
      transport,
    });
  const code = (expected: string) => (err: unknown) => isHeraldError(err) && err.code === expected;

  it('sends JSON and reads the answer, empty or not', async () => {
    assert.deepEqual(await call('/ok', { body: { x: 'y' } }), {
      status: 200,
      body: { a: 1 },
      malformed: false,
    });
    assert.deepEqual(seen.at(-1), { method: 'POST', body: '{"x":"y"}', type: 'application/json' });
    assert.deepEqual(await call('/empty'), { status: 204, body: undefined, malformed: false });
  });

  it('does not follow a redirect', async () => {
    assert.equal((await call('/redirect')).status, 302);
  });

  it('reads an answer cut short as a bad response', async () => {
    await assert.rejects(call('/truncated'), code('HERALD_ERR_CHANNEL_BAD_RESPONSE'));
  });

  it('tells a deadline, an abort and a refused connection apart', async () => {
    await assert.rejects(call('/slow', { timeoutMs: 100 }), code('HERALD_ERR_CHANNEL_TIMEOUT'));
    await assert.rejects(
      call('/slow', { signal: AbortSignal.timeout(50) }),
      code('HERALD_ERR_CHANNEL_ABORTED'),
    );
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(
      requestJson({
        channel: 'rcs',
        method: 'GET',
        url: `http://127.0.0.1:${port}/`,
        headers: {},
        timeoutMs: 1_000,
        transport,
      }),
      code('HERALD_ERR_CHANNEL_UNAVAILABLE'),
    );
  });
});
