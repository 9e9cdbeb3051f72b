import assert from 'node:assert/strict';
// A real Herald in this process for the SDK's end-to-end test: the HTTP API with the `keys` part
// (enrollment, KeyPackages, the key directory under its own signed log) and the secure channel
// (Delivery Service, inboxes, streams, revocation), the accept path, and a delivery worker with
// the `secure` adapter, over a real store (SQLite or PostgreSQL). Logs go to a buffer so the test
// can search them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyVault } from '../../../herald/src/journal/file-key-vault.ts';
import { openRecordLogs, type RecordLogs } from '../../../herald/src/journal/record-logs.ts';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { generateApiKey } from '../../../herald/src/api/api-key.ts';
import { buildApi } from '../../../herald/src/api/server.ts';
import { SecureAdapter } from '../../../herald/src/channels/secure/secure-adapter.ts';
import { SecretBox } from '../../../herald/src/crypto/secret-box.ts';
import { Dispatcher } from '../../../herald/src/delivery/dispatcher.ts';
import { uploadCredentialValidator } from '../../../herald/src/keys/key-packages.ts';
import { deviceSignatureKeys } from '../../../herald/src/keys/device-signature-keys.ts';
import { createKeys, type Keys } from '../../../herald/src/keys/keys.ts';
import { AcceptQueue } from '../../../herald/src/messages/accept-queue.ts';
import { AcceptService } from '../../../herald/src/messages/accept-service.ts';
import type { Decision, PolicyEngine } from '../../../herald/src/policy/decision.ts';
import { EXTERNAL_SENDER_IDENTITY } from '../../../herald/src/secure/external-sender.ts';
import { SecureChannel } from '../../../herald/src/secure/secure-channel.ts';
import type { Role } from '../../../herald/src/storage/tenant-store.ts';
import type { Store } from '../../../herald/src/storage/store.ts';
import type { TenantId } from '../../../herald/src/ids.ts';
import { WebhookSender } from '../../../herald/src/webhooks/webhook-sender.ts';
import { createNodeMlsEngine } from '@herald/server/mls/node';
import { generateNoteKey, parseSignerKey } from '@herald/server/tlog';

export const KEYS_ORIGIN = 'herald.test/keys';
/** The journal and audit logs' origin prefix. */
export const LOG_PREFIX = 'herald.test';

/**
 * The policy for the test: restricted content only over the secure channel (no fallback, so a
 * message either arrives end-to-end encrypted or fails); anything else by SMS. Restricted
 * messages labelled `journal=sealed` are journaled `sealed` (the sender seals the copy).
 */
const securePolicy: PolicyEngine = {
  version: 'sdk-e2e-1',
  decide(message): Decision {
    const secure = message.classification === 'restricted';
    return {
      outcome: 'allow',
      route: [
        secure
          ? { channel: 'secure', tier: 'e2ee', content: 'full', fallbackOn: [], belowMinimumTier: false }
          : { channel: 'sms', tier: 'plaintext', content: 'full', fallbackOn: [], belowMinimumTier: false },
      ],
      journal: secure && message.labels['journal'] === 'sealed' ? 'sealed' : 'none',
      minimumTier: secure ? 'e2ee' : 'plaintext',
      rule: secure ? 'e2e/secure-only' : 'e2e/sms',
      policyVersion: 'sdk-e2e-1',
      reasons: [],
      trace: [],
    };
  },
};

export interface SecureGateway {
  readonly url: string;
  readonly store: Store;
  readonly keys: Keys;
  readonly channel: SecureChannel;
  /** The key log's verifier key, as an operator would configure it in the SDK. */
  readonly verifierKey: string;
  /** The archive public key (standard base64), as the compliance team hands it to senders. */
  readonly archivePublicKey: string;
  /** The archive private key's file (the compliance team's vault), for `herald journal export`. */
  readonly archiveKeyFile: string;
  /** The journal log's checkpoint verifier key, for `herald journal verify`. */
  readonly journalVerifierKey: string;
  /** The journal and audit logs (sequenced every 50 ms). */
  readonly recordLogs: RecordLogs;
  /** Everything the gateway logged (pino JSON lines). */
  logs(): string;
  apiKey(tenant: string, role: Role): Promise<string>;
  /** A one-time enrollment token for `userId`, issued through the admin API with `adminKey`. */
  enrollmentToken(adminKey: string, userId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startSecureGateway(
  store: Store,
  opts: { corsOrigins?: readonly string[] } = {},
): Promise<SecureGateway> {
  // The journal, as a compliance team would set it up: the gateway gets the archive *public*
  // key only; the key file (the vault) stays with the test, standing in for the compliance team.
  const dir = mkdtempSync(join(tmpdir(), 'herald-sdk-journal-'));
  const archiveKeyFile = join(dir, 'archive.key');
  const vault = await FileKeyVault.generate(archiveKeyFile);
  const archivePublicKey = Buffer.from(await vault.publicKey()).toString('base64');
  const journalNote = generateNoteKey(`${LOG_PREFIX}/journal`);
  const recordLogs = (await openRecordLogs(
    store,
    dir,
    {
      HERALD_ARCHIVE_PUBLIC_KEY: archivePublicKey,
      HERALD_JOURNAL_SIGNER_KEY: journalNote.signerKey,
      HERALD_AUDIT_SIGNER_KEY: generateNoteKey(`${LOG_PREFIX}/audit`).signerKey,
      HERALD_LOG_ORIGIN_PREFIX: LOG_PREFIX,
    },
    false,
  ))!;
  let logs = '';
  const logger = pino({ level: 'trace' }, { write: (s: string) => void (logs += s) });
  const box = new SecretBox(randomBytes(32));
  const note = generateNoteKey(KEYS_ORIGIN);
  const db = store.conn.db;
  const engine = createNodeMlsEngine({
    credentialValidator: uploadCredentialValidator(deviceSignatureKeys(db)),
  });
  const holder: { keys?: Keys } = {};
  const channel = await SecureChannel.open({
    store,
    box,
    engine,
    welcomeRecipients: (tenantId, refs) => holder.keys!.keyPackages.devicesForKeyPackageRefs(tenantId, refs),
    receipts: async (r) => {
      await store.delivery.recordReceipt(r);
    },
    logger: logger.child({ part: 'secure' }),
  });
  const keys = createKeys(store, {
    origin: KEYS_ORIGIN,
    signer: parseSignerKey(note.signerKey),
    revocationListener: {
      onRevoked: async (d) => {
        await channel.revokeDevice(d.tenantId as TenantId, d.deviceId);
      },
    },
    logger: logger.child({ part: 'keys' }),
  });
  holder.keys = keys;
  const accept = new AcceptService({
    queue: new AcceptQueue(store.messages),
    store: store.messages,
    policy: () => securePolicy,
    box,
    retentionClasses: new Set(['standard']),
    defaultRetention: 'standard',
    mls: engine,
  });
  const app: FastifyInstance = await buildApi({
    store,
    accept,
    box,
    readiness: async () => [],
    keys,
    secure: channel,
    logs: recordLogs,
    logger: logger.child({ part: 'api' }),
    ...(opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {}),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const dispatcher = new Dispatcher(
    store,
    new Map([['secure', new SecureAdapter({ delivery: channel.service })]]),
    box,
    new WebhookSender(store.webhooks, box, 2000),
    {
      owner: `sdk-e2e-${process.pid}`,
      concurrency: 8,
      leaseMs: 10_000,
      idlePollMs: 20,
      sendTimeoutMs: 5000,
      maxAttempts: 3,
      backoff: { baseMs: 20, maxMs: 100 },
      webhookMaxAttempts: 2,
      webhookBackoff: { baseMs: 20, maxMs: 100 },
      prices: {},
      rateCaps: {},
    },
    logger.child({ part: 'worker' }),
    recordLogs.journal,
  );
  dispatcher.start();
  // The gateway integrates log entries every second; here every 50 ms.
  const sequencer = setInterval(
    () =>
      void Promise.all([
        keys.directory.log.sequenceAll(),
        recordLogs.journal.log.sequenceAll(),
        recordLogs.audit.log.sequenceAll(),
      ]).catch(() => undefined),
    50,
  );
  const published = new Set<string>();
  return {
    url,
    store,
    keys,
    channel,
    verifierKey: parseSignerKey(note.signerKey).verifier().verifierKey,
    archivePublicKey,
    archiveKeyFile,
    journalVerifierKey: journalNote.verifierKey,
    recordLogs,
    logs: () => logs,
    async enrollmentToken(adminKey, userId) {
      const res = await fetch(`${url}/v1/enrollment-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      });
      assert.equal(res.status, 201);
      return ((await res.json()) as { token: string }).token;
    },
    async apiKey(tenantName, role) {
      const t =
        (await store.tenants.findTenantByName(tenantName)) ?? (await store.tenants.createTenant(tenantName));
      // Groups name the Delivery Service as external sender, and members check its key in the
      // tenant's key directory like any other leaf: publish it once per tenant.
      if (!published.has(t.id)) {
        published.add(t.id);
        await keys.directory.append(db, {
          action: 'publish',
          tenantId: t.id,
          ...EXTERNAL_SENDER_IDENTITY,
          key: channel.externalSender.signer.publicKey,
          at: Date.now(),
        });
      }
      const { key, hash } = generateApiKey();
      await store.tenants.createApiKey(t.id, role, role, hash);
      return key;
    },
    async close() {
      clearInterval(sequencer);
      await dispatcher.stop();
      await app.close();
      await channel.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
