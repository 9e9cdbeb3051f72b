// The device client in a real browser: Chromium (the Debian package, driven by playwright-core,
// which downloads nothing) loads a page bundled from the SDK's browser entry with esbuild, and
// that page enrolls a device, proves its key in the key directory, joins a group a Node device
// created, exchanges messages with it, keeps its state in IndexedDB across a reload, and shows
// the same safety number as the Node peer. The gateway is a real Herald on SQLite.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { testDatabases } from '../../../herald/test/support/databases.ts';
import { createDevice, MemoryStore } from '../../src/index.ts';
import { nodeMlsEngine } from '../../src/node.ts';
import { startSecureGateway, type SecureGateway } from '../support/secure-gateway.ts';
import { receive } from '../support/receive.ts';
import type { HeraldPage } from './device-page.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const CANARIES = {
  toBrowser: 'canary-5d21-node-to-chromium',
  toNode: 'canary-e0b7-chromium-to-node',
  afterReload: 'canary-33fa-after-reload',
} as const;

/** The Debian package's browser, or undefined: the test never downloads one. */
function findChromium(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const executablePath = findChromium();

/** Bundles the page like an app would bundle the SDK, and says which tlog platform it took. */
async function bundlePage(): Promise<{ code: string; inputs: string[] }> {
  const r = await build({
    entryPoints: [join(HERE, 'device-page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs) };
}

/** Serves the page; the page calls the gateway on its own origin, which lets this one in (CORS). */
function servePage(code: string): Promise<Server> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>Herald device</title><script type="module" src="/app.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    if (req.url === '/app.js')
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Calls one of the page's functions and returns its result. */
function call<K extends keyof HeraldPage>(
  page: Page,
  name: K,
  ...args: Parameters<HeraldPage[K]>
): Promise<Awaited<ReturnType<HeraldPage[K]>>> {
  return page.evaluate(
    ({ name, args }) => {
      const p = (globalThis as unknown as { heraldPage: Record<string, (...a: unknown[]) => unknown> })
        .heraldPage;
      return p[name]!(...args);
    },
    { name, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<HeraldPage[K]>>>;
}

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!.db!;

void describe(
  'the device client in Chromium',
  {
    timeout: 60_000,
    skip:
      executablePath === undefined
        ? 'chromium is not installed (apt-get install chromium; CI installs it)'
        : false,
  },
  () => {
    let gw: SecureGateway;
    let dispose: () => Promise<void>;
    let pageServer: Server;
    let context: BrowserContext;
    let userDataDir: string;
    let bundleInputs: string[];
    const pageErrors: string[] = [];
    const pageOrigin = (): string => `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

    before(async () => {
      const opened = await sqlite.open();
      dispose = opened.dispose;
      const bundle = await bundlePage();
      bundleInputs = bundle.inputs;
      pageServer = await servePage(bundle.code);
      gw = await startSecureGateway(opened.store, { corsOrigins: [pageOrigin()] });
      userDataDir = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: executablePath!,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });

    after(async () => {
      await context?.close();
      await new Promise((r) => pageServer?.close(r));
      await gw?.close();
      await dispose?.();
      if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
    });

    const token = (admin: string, userId: string): Promise<string> => gw.enrollmentToken(admin, userId);

    it('bundles the browser entry with the web crypto platform and no Node built-ins', () => {
      assert.ok(bundleInputs.some((f) => f.endsWith('tlog/platform/web-platform.ts')));
      assert.ok(!bundleInputs.some((f) => f.endsWith('tlog/platform/node-platform.ts')));
      assert.ok(!bundleInputs.some((f) => f.includes('mls/crypto/node-')), 'not the native MLS provider');
    });

    it('enrolls, joins a Node group, exchanges messages, survives a reload and agrees on the safety number', async () => {
      const admin = await gw.apiKey('acme', 'admin');
      const bob = await createDevice({
        baseUrl: gw.url,
        store: new MemoryStore(),
        directoryVerifierKey: gw.verifierKey,
        mlsEngine: nodeMlsEngine,
      });
      await bob.enroll({ enrollmentToken: await token(admin, 'bob'), name: 'node' });

      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const origin = pageOrigin();
      const load = async (): Promise<void> => {
        await page.waitForFunction(() => 'heraldPage' in globalThis, undefined, { timeout: 10_000 });
      };
      await page.goto(origin);
      await load();

      const opened = await call(page, 'open', gw.verifierKey, gw.url);
      assert.deepEqual(opened, { enrolled: false, nodeBuiltins: false });
      const enrolled = await call(page, 'enroll', await token(admin, 'alice'));
      assert.equal(enrolled.userId, 'alice');
      assert.equal(enrolled.keyStatus, 'active', 'the page proved its own key in the directory');
      assert.equal(enrolled.keyPackages.stored, 2);
      assert.ok(enrolled.keyPackages.available > 2, 'the first batch and two more are on the server');
      // The Node peer proves the same key for that device from the same log.
      const seenByBob = await bob.directory.deviceKey({ userId: 'alice', deviceId: enrolled.deviceId });
      assert.equal(seenByBob.status, 'active');
      assert.equal(
        seenByBob.status === 'active' ? Buffer.from(seenByBob.key).toString('base64') : '',
        enrolled.key,
      );

      // Bob (Node) makes a group with alice's browser device, from a KeyPackage the page published.
      const groupId = await bob.createGroup(['alice']);
      await bob.send(groupId, CANARIES.toBrowser);
      assert.deepEqual(await call(page, 'receive', 1), [{ groupId, from: 'bob', text: CANARIES.toBrowser }]);
      await call(page, 'send', groupId, CANARIES.toNode);
      assert.deepEqual(
        (await receive(bob, 1, 15_000)).map((m) => `${m.sender.userId}:${m.text}`),
        [`alice:${CANARIES.toNode}`],
      );
      const before = await call(page, 'state', groupId);
      assert.deepEqual(before.members, ['alice', 'bob']);
      assert.equal(before.safetyNumber, await bob.safetyNumber(groupId));
      assert.match(before.safetyNumber, /^(\d{5} ){5}\d{5}$/);

      // A reload drops everything in memory; IndexedDB keeps the identity and the group state.
      await bob.send(groupId, CANARIES.afterReload);
      await page.reload();
      await load();
      assert.deepEqual(await call(page, 'open', gw.verifierKey, gw.url), {
        enrolled: true,
        nodeBuiltins: false,
      });
      assert.deepEqual(await call(page, 'receive', 1), [
        { groupId, from: 'bob', text: CANARIES.afterReload },
      ]);
      const after = await call(page, 'state', groupId);
      assert.equal(after.safetyNumber, await bob.safetyNumber(groupId));
      assert.deepEqual(after.groups, before.groups);

      assert.deepEqual(pageErrors, []);
      for (const c of Object.values(CANARIES)) assert.ok(!gw.logs().includes(c), 'no plaintext in the logs');
      await bob.close();
    });

    it('blocks a page from an origin the gateway does not list', async () => {
      const page = await context.newPage();
      // Same server, another origin: `localhost` is not `127.0.0.1` to the browser.
      await page.goto(pageOrigin().replace('127.0.0.1', 'localhost'));
      const outcome = await page.evaluate(async (url) => {
        try {
          const res = await fetch(`${url}/v1/devices`, { headers: { authorization: 'Bearer x' } });
          return `answered ${res.status}`;
        } catch (e) {
          return `refused: ${(e as Error).name}`;
        }
      }, gw.url);
      assert.equal(outcome, 'refused: TypeError');
      await page.close();
    });
  },
);
