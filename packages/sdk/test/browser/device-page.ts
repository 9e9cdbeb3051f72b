// The page script of the Chromium test (bundled with esbuild for the browser, like an app would
// bundle the SDK): a device of alice on the browser entry, with its state in IndexedDB. The test
// drives it through `globalThis.heraldPage` and asserts on what it returns.
import { createBrowserDevice, type DeviceClient, type ReceivedMessage } from '../../src/browser.ts';

let device: DeviceClient | undefined;
const received: ReceivedMessage[] = [];

function me(): DeviceClient {
  if (device === undefined) throw new Error('call open() first');
  return device;
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

const page = {
  /** Opens (or re-opens, after a reload) the device from IndexedDB. */
  async open(verifierKey: string, gatewayUrl: string): Promise<{ enrolled: boolean; nodeBuiltins: boolean }> {
    device = await createBrowserDevice({
      // Another origin than the page's: the gateway lets this page's origin in (CORS).
      baseUrl: gatewayUrl,
      directoryVerifierKey: verifierKey,
      databaseName: 'alice-browser',
    });
    device.onMessage((m) => received.push(m));
    // A Node polyfill in the bundle would defeat the point of the test.
    return {
      enrolled: device.identity !== undefined,
      nodeBuiltins: 'Buffer' in globalThis || 'process' in globalThis,
    };
  },

  /** Enrolls with a one-time token and proves the device's own key in the key directory. */
  async enroll(token: string) {
    const d = me();
    const info = await d.enroll({ enrollmentToken: token, name: 'chromium' });
    const proven = await d.directory.deviceKey(d.identity!);
    const more = await d.publishKeyPackages(2);
    return {
      userId: info.userId,
      deviceId: info.id,
      keyStatus: proven.status,
      key: proven.status === 'active' ? toBase64(proven.key) : '',
      keyPackages: more,
    };
  },

  /** Syncs until `n` messages arrived in this page's life (or 15 s); returns them. */
  async receive(n: number) {
    const end = Date.now() + 15_000;
    while (received.length < n && Date.now() < end) {
      await me().sync();
      if (received.length < n) await new Promise((r) => setTimeout(r, 50));
    }
    return received.map((m) => ({ groupId: m.groupId, from: m.sender.userId, text: m.text }));
  },

  async send(groupId: string, text: string): Promise<number> {
    return (await me().send(groupId, text)).seq;
  },

  async state(groupId: string) {
    const d = me();
    return {
      safetyNumber: await d.safetyNumber(groupId),
      groups: (await d.groups()).map((g) => ({ ...g, epoch: String(g.epoch) })),
      members: (await d.members(groupId)).map((m) => m.userId).sort(),
    };
  },
};

/** What the page offers the test. */
export type HeraldPage = typeof page;

(globalThis as unknown as { heraldPage: HeraldPage }).heraldPage = page;
