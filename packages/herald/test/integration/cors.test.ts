import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { HeraldError } from '../../src/errors/index.ts';
import type { Store } from '../../src/storage/store.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';

const APP = 'https://app.example';
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!.db!;

void describe('CORS for browser apps', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  let open: Awaited<ReturnType<typeof apiHarness>>;
  let closed: Awaited<ReturnType<typeof apiHarness>>;
  before(async () => {
    ({ store, dispose } = await sqlite.open());
    open = await apiHarness(store, { corsOrigins: [APP] });
    closed = await apiHarness(store);
  });
  after(async () => {
    await open.app.close();
    await closed.app.close();
    await dispose();
  });

  const preflight = (app: typeof open.app, origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/v1/messages',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

  it('answers a listed origin’s preflight without a token, for the headers the SDK sends', async () => {
    const res = await preflight(open.app, APP);
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], APP);
    assert.match(String(res.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(res.headers['access-control-allow-methods']), /POST/);
    assert.equal(res.headers['access-control-allow-credentials'], undefined, 'tokens, never cookies');
  });

  it('gives an unlisted origin no grant, so the browser blocks the call', async () => {
    const res = await preflight(open.app, 'https://evil.example');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  it('still authenticates the actual request, and lets the page read the answer', async () => {
    const anonymous = await open.app.inject({ method: 'GET', url: '/v1/messages', headers: { origin: APP } });
    assert.equal(anonymous.statusCode, 401);
    const key = await open.keyFor('acme', 'sender');
    const res = await open.app.inject({
      method: 'GET',
      url: '/v1/messages',
      headers: { origin: APP, authorization: `Bearer ${key}` },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], APP);
    assert.match(String(res.headers['access-control-expose-headers']), /idempotent-replayed/);
    assert.match(String(res.headers.vary), /origin/i);
  });

  it('is off unless origins are configured: a preflight needs a token like any request', async () => {
    const res = await preflight(closed.app, APP);
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  it('reads HERALD_CORS_ORIGINS as exact origins and refuses anything else', () => {
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    assert.deepEqual(loadConfig({ HERALD_CORS_ORIGINS: `${APP}, http://127.0.0.1:3000` }).corsOrigins, [
      APP,
      'http://127.0.0.1:3000',
    ]);
    for (const bad of [
      '*',
      'app.example',
      'https://app.example/path',
      'ftp://app.example',
      'https://app.example/',
    ])
      assert.throws(
        () => loadConfig({ HERALD_CORS_ORIGINS: bad }),
        (e: unknown) => e instanceof HeraldError && e.code === 'HERALD_ERR_CONFIG_INVALID',
        bad,
      );
  });
});
