// The FCM service-account token exchange (JWT bearer grant, RFC 7523) over the project's
// node:http transport, against a real HTTP peer: the assertion it signs verifies, the token is
// reused, answers over 64 KiB and silent endpoints fail as unavailable, a refusal as auth failed,
// and a process that exchanged a token exits by itself (its keep-alive socket does not hold it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ServiceAccountTokens, type ServiceAccount } from '../../src/channels/push/service-account-token.ts';
import { isHeraldError } from '../../src/errors/index.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const code = (expected: string, detail?: RegExp) => (err: unknown) =>
  isHeraldError(err) && err.code === expected && (detail === undefined || detail.test(err.message));

describe('FCM service-account tokens over the node:http transport', () => {
  let server: Server;
  let base: string;
  let exchanges = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/token') {
          const form = new URLSearchParams(body);
          const [h, p, sig] = (form.get('assertion') ?? '').split('.');
          const signed = verify(
            'sha256',
            Buffer.from(`${h}.${p}`),
            publicKey,
            Buffer.from(sig ?? '', 'base64url'),
          );
          const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as { aud?: string };
          if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !signed) {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
            return;
          }
          exchanges++;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: `tok-${exchanges}`, expires_in: 3600, aud: claims.aud }));
        } else if (req.url === '/huge') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(`{"access_token":"${'x'.repeat(70_000)}"}`);
        } else if (req.url === '/denied') {
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end('{"error":"invalid_grant","error_description":"claims…"}');
        } else if (req.url === '/slow') {
          setTimeout(() => res.end('{}'), 2_000);
        }
      });
    });
    // Idle connections stay open a minute: a child held open by its socket would time out.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  // A plain-HTTP token endpoint: the https-only rule is parseServiceAccount's, tested with the config.
  const account = (path: string): ServiceAccount => ({
    projectId: 'p1',
    clientEmail: 'herald@p1.iam.example',
    privateKey,
    tokenUri: `${base}${path}`,
  });

  it('exchanges a signed assertion for a token, once while it is valid', async () => {
    const tokens = new ServiceAccountTokens(account('/token'));
    const before = exchanges;
    const first = `tok-${before + 1}`;
    assert.deepEqual(await Promise.all([tokens.token(), tokens.token()]), [first, first]);
    assert.equal(await tokens.token(), first);
    assert.equal(exchanges, before + 1);
  });

  it('refuses an answer over 64 KiB and a silent endpoint as unavailable, a refusal as auth failed', async () => {
    await assert.rejects(
      new ServiceAccountTokens(account('/huge')).token(),
      code('HERALD_ERR_CHANNEL_UNAVAILABLE', /token endpoint: body: answer larger than 65536 bytes/),
    );
    await assert.rejects(
      new ServiceAccountTokens(account('/slow'), { timeoutMs: 200 }).token(),
      code('HERALD_ERR_CHANNEL_UNAVAILABLE', /token endpoint: connection:/),
    );
    // The provider's error name only: its description may echo the claims.
    await assert.rejects(
      new ServiceAccountTokens(account('/denied')).token(),
      (err: unknown) =>
        code('HERALD_ERR_CHANNEL_AUTH_FAILED', /invalid_grant/)(err) &&
        !/claims/.test((err as Error).message),
    );
  });

  it('lets a process that exchanged a token exit by itself', async () => {
    const module = fileURLToPath(
      new URL('../../src/channels/push/service-account-token.ts', import.meta.url),
    );
    const script = `
      import { createPrivateKey } from 'node:crypto';
      const { ServiceAccountTokens } = await import(${JSON.stringify(module)});
      const tokens = new ServiceAccountTokens({
        projectId: 'p1', clientEmail: 'herald@p1.iam.example',
        privateKey: createPrivateKey(process.env.KEY), tokenUri: process.env.URI,
      });
      console.log(await tokens.token());`;
    const started = Date.now();
    const out = await new Promise<{ err: Error | null; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          timeout: 30_000,
          env: {
            ...process.env,
            KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            URI: `${base}/token`,
          },
        },
        (err, stdout) => resolve({ err, stdout }),
      ),
    );
    assert.equal(out.err, null, 'the child exited by itself, with status 0');
    assert.match(out.stdout, /^tok-\d+\n$/);
    // The server keeps the connection open for a minute: the child did not wait for it.
    assert.ok(Date.now() - started < 20_000);
  });
});
