// Shared setup for the `keys` tests: a migrated database, the `keys` part wired with its own
// note key, the HTTP API over it, and helpers that enroll devices and make their KeyPackages
// with the real MLS engine.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createNodeMlsEngine } from '../../src/e2ee/mls/node-mls-engine.ts';
import type { MlsKeyPackageBundle, MlsSignatureKeyPair } from '../../src/e2ee/mls/mls-engine.ts';
import type { TsMlsEngine } from '../../src/e2ee/mls/ts-mls-engine.ts';
import type { AttestationVerifier } from '../../src/keys/attestation-verifier.ts';
import { DevAttestationVerifier } from '../../src/keys/dev-attestation-verifier.ts';
import type { DeviceRevocationListener } from '../../src/keys/device-revocation-listener.ts';
import { createKeys, type Keys } from '../../src/keys/keys.ts';
import { X509AttestationVerifier } from '../../src/keys/x509-attestation-verifier.ts';
import type { Role } from '../../src/storage/tenant-store.ts';
import type { Store } from '../../src/storage/store.ts';
import {
  generateNoteKey,
  parseSignerKey,
  parseVerifierKey,
  type CheckpointTrust,
} from '../../src/tlog/index.ts';
import { apiHarness } from './api-harness.ts';
import type { TestDatabase } from './databases.ts';

export const KEYS_ORIGIN = 'herald.test/keys';
const FIXTURES = new URL('../fixtures/mdm/', import.meta.url);
export const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

/** An enrolled test device: its token, its directory key pair, and a KeyPackage factory. */
export interface TestDevice {
  readonly id: string;
  readonly userId: string;
  readonly token: string;
  readonly signer: MlsSignatureKeyPair;
  readonly entry: string;
  keyPackage(options?: { lastResort?: boolean }): Promise<MlsKeyPackageBundle>;
}

export interface KeysHarness {
  readonly store: Store;
  readonly keys: Keys;
  readonly app: FastifyInstance;
  /** Makes KeyPackages as a device would (its validator is never asked: generation only). */
  readonly engine: TsMlsEngine;
  readonly trust: CheckpointTrust;
  readonly revoked: Array<{ tenantId: string; userId: string; deviceId: string }>;
  keyFor(tenant: string, role: Role): Promise<string>;
  issueToken(adminKey: string, userId: string): Promise<string>;
  enroll(adminKey: string, userId: string, name?: string): Promise<TestDevice>;
  dispose(): Promise<void>;
}

/** Every request the tests make goes through HTTP (`app.inject`) with JSON bodies. */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  token?: string,
  payload?: unknown,
) {
  const res = await app.inject({
    method,
    url,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

export async function openKeysHarness(
  db: TestDatabase,
  opts: { verifiers?: readonly AttestationVerifier[] } = {},
): Promise<KeysHarness> {
  const { store, dispose } = await db.open();
  const note = generateNoteKey(KEYS_ORIGIN);
  const revoked: KeysHarness['revoked'] = [];
  const listener: DeviceRevocationListener = {
    onRevoked: async (d) => {
      revoked.push(d);
    },
  };
  const keys = createKeys(store, {
    origin: KEYS_ORIGIN,
    signer: parseSignerKey(note.signerKey),
    verifiers: opts.verifiers ?? [
      new DevAttestationVerifier(),
      new X509AttestationVerifier(fixture('ca.pem')),
    ],
    revocationListener: listener,
  });
  const h = await apiHarness(store, { keys });
  const engine = createNodeMlsEngine({
    credentialValidator: { validate: () => Promise.resolve({ ok: false, reason: 'unknown_device' }) },
  });
  const issueToken = async (adminKey: string, userId: string) => {
    const r = await call(h.app, 'POST', '/v1/enrollment-tokens', adminKey, { userId });
    if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  };
  return {
    store,
    keys,
    app: h.app,
    engine,
    trust: { origin: KEYS_ORIGIN, verifiers: [parseVerifierKey(note.verifierKey)] },
    revoked,
    keyFor: h.keyFor,
    issueToken,
    async enroll(adminKey, userId, name = 'phone') {
      const signer = await engine.generateSignatureKeyPair();
      const r = await call(h.app, 'POST', '/v1/devices', undefined, {
        enrollmentToken: await issueToken(adminKey, userId),
        name,
        signatureKey: b64(signer.publicKey),
      });
      if (r.status !== 201) throw new Error(`enroll: ${r.status} ${JSON.stringify(r.body)}`);
      const id = r.body.device.id as string;
      return {
        id,
        userId,
        token: r.body.deviceToken as string,
        signer,
        entry: r.body.directory.entry as string,
        keyPackage: (o = {}) => engine.generateKeyPackage({ userId, deviceId: id }, signer, o),
      };
    },
    async dispose() {
      await h.app.close();
      await dispose();
    },
  };
}
