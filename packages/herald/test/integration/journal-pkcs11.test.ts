// The archive key on a PKCS#11 token, against a real SoftHSM2 token made for the test: the key is
// created on the token by `herald journal keygen --pkcs11`, the journal captures with the printed
// public key only (as the gateway does), and `herald journal export run --pkcs11` opens the
// records with the DH done on the token. On SQLite and PostgreSQL. Skips (with the reason) where
// SoftHSM2 is not installed; CI installs it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import pkcs11js from 'pkcs11js';
import { generateApiKey } from '../../src/api/api-key.ts';
import {
  journalExportCommand,
  journalKeygenCommand,
  journalVerifyCommand,
  type JournalCliIo,
} from '../../src/cli/journal-commands.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import {
  expireJournalRecords,
  Journal,
  parseRetentionClasses,
  type ExportedRecord,
  type ExportManifest,
  type SealedEnvelope,
} from '../../src/journal/index.ts';
import { Pkcs11KeyVault, type Pkcs11VaultConfig } from '../../src/journal/pkcs11/index.ts';
import { parseSignerKey } from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { findSoftHsm, initSoftHsmToken, type SoftHsmToken } from '../support/softhsm.ts';
import {
  AUDIT_ORIGIN,
  JOURNAL_ORIGIN,
  openJournalHarness,
  sampleRecord,
  type JournalHarness,
} from './journal-harness.ts';

const code = (c: string) => (err: unknown) => isHeraldError(err) && err.code === c;
const KEY_LABEL = 'archive-2026';
const hsm = findSoftHsm();

/** A raw session with the binding, to look at the token as an attacker with the PIN would. */
function withRawSession<T>(t: SoftHsmToken, use: (lib: pkcs11js.PKCS11, session: Buffer) => T): T {
  const lib = new pkcs11js.PKCS11();
  lib.load(t.modulePath);
  lib.C_Initialize();
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === t.tokenLabel)!;
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11js.CKU_USER, t.pin);
    return use(lib, session);
  } finally {
    lib.C_Finalize();
    lib.close();
  }
}

function findObjects(lib: pkcs11js.PKCS11, session: Buffer, cls: number, label: string): Buffer[] {
  lib.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: cls },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  const found = lib.C_FindObjects(session, 10);
  lib.C_FindObjectsFinal(session);
  return found;
}

for (const { db, name } of testDatabases()) {
  describe(
    `journal with the archive key on a PKCS#11 token (SoftHSM2) on ${name}`,
    {
      skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : 'skip' in hsm ? hsm.skip : false,
    },
    () => {
      let h: JournalHarness;
      let token: SoftHsmToken;
      let journal: Journal;
      let archivePublicKey: Buffer;
      let tenantId = '';
      const apiKeys: Record<string, string> = {};
      let out: string[] = [];
      let err = '';
      const env = (extra: Record<string, string> = {}): Record<string, string> => ({
        HERALD_DATABASE_URL: h.url,
        HERALD_JOURNAL_ORIGIN: JOURNAL_ORIGIN,
        HERALD_AUDIT_ORIGIN: AUDIT_ORIGIN,
        HERALD_PKCS11_MODULE: token.modulePath,
        HERALD_PKCS11_TOKEN: token.tokenLabel,
        HERALD_PKCS11_KEY: KEY_LABEL,
        ...extra,
      });
      const io = (extra: Record<string, string> = {}): JournalCliIo => ({
        stdout: (l) => out.push(l),
        stderr: { write: (s: string) => (err += s) },
        env: env(extra),
      });
      const vaultConfig = (over: Partial<Pkcs11VaultConfig> = {}): Pkcs11VaultConfig => ({
        modulePath: token.modulePath,
        tokenLabel: token.tokenLabel,
        keyLabel: KEY_LABEL,
        pin: token.pin,
        ...over,
      });
      const sealedRows = async () =>
        (
          await h.store.conn.db
            .selectFrom('journal_records')
            .select(['id', 'tenant_id', 'message_id', 'enc', 'enc_seq', 'sealed_key', 'ciphertext'])
            .orderBy('id')
            .execute()
        ).map((r) => ({
          tenantId: r.tenant_id,
          messageId: r.message_id,
          sealed: {
            recordId: r.id,
            enc: r.enc,
            encSeq: r.enc_seq,
            sealedKey: r.sealed_key,
            ciphertext: r.ciphertext,
          } satisfies SealedEnvelope,
        }));

      before(async () => {
        h = await openJournalHarness(db!);
        token = initSoftHsmToken((hsm as { modulePath: string }).modulePath, 'herald-test');
        out = [];
        assert.equal(await journalKeygenCommand(['--pkcs11'], io({ HERALD_PKCS11_PIN: token.pin })), 0);
        const printed = /^HERALD_ARCHIVE_PUBLIC_KEY=(.+)$/.exec(out[0]!);
        assert.ok(printed, out.join('\n'));
        archivePublicKey = Buffer.from(printed[1]!, 'base64');
        // The gateway's journal: the public key and nothing else of the archive key.
        journal = new Journal({
          db: h.store.conn.db,
          dialect: h.store.dialect,
          origin: JOURNAL_ORIGIN,
          signer: parseSignerKey(h.processEnv.HERALD_JOURNAL_SIGNER_KEY!),
          archivePublicKey,
          retention: parseRetentionClasses(),
        });
        const tenant = await h.store.tenants.createTenant('acme');
        tenantId = tenant.id;
        for (const who of ['alice', 'bob']) {
          const k = generateApiKey();
          await h.store.tenants.createApiKey(tenant.id, 'compliance', who, k.hash);
          apiKeys[who] = k.key;
        }
        await h.store.conn.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 4; i++) {
            await journal.capture(trx, sampleRecord(i, tenantId, i === 3 ? { retention: 'transient' } : {}));
          }
          // Sealed to another archive key (the harness's key file), in another tenant.
          await h.journal.capture(trx, sampleRecord(9, 'ten_other'));
        });
        await journal.log.sequence();
        // Record 3 (retention 1 day) is crypto-shredded two days on.
        const shred = await expireJournalRecords(
          { db: h.store.conn.db, dialect: h.store.dialect, audit: h.audit },
          { now: Date.now() + 2 * 86_400_000 },
        );
        assert.equal(shred.shredded, 1);
      });
      after(async () => {
        token?.dispose();
        await h?.dispose();
      });

      it('creates the key on the token: sensitive, never extractable, its value unreadable', () => {
        withRawSession(token, (lib, session) => {
          const privates = findObjects(lib, session, pkcs11js.CKO_PRIVATE_KEY, KEY_LABEL);
          assert.equal(privates.length, 1);
          const attrs = lib
            .C_GetAttributeValue(session, privates[0]!, [
              { type: pkcs11js.CKA_TOKEN },
              { type: pkcs11js.CKA_PRIVATE },
              { type: pkcs11js.CKA_SENSITIVE },
              { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
              { type: pkcs11js.CKA_EXTRACTABLE },
              { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
              { type: pkcs11js.CKA_DERIVE },
            ])
            .map((a) => a.value[0] === 1);
          assert.deepEqual(attrs, [true, true, true, true, false, true, true]);
          assert.throws(
            () => lib.C_GetAttributeValue(session, privates[0]!, [{ type: pkcs11js.CKA_VALUE }]),
            /CKR_ATTRIBUTE_SENSITIVE/,
          );
          // The public half is the key the command printed.
          const publics = findObjects(lib, session, pkcs11js.CKO_PUBLIC_KEY, KEY_LABEL);
          const [point] = lib.C_GetAttributeValue(session, publics[0]!, [{ type: pkcs11js.CKA_EC_POINT }]);
          assert.ok(point!.value.subarray(-32).equals(archivePublicKey));
        });
      });

      it('exports through the token: records open to what was captured, the shredded one stays shredded', async () => {
        out = [];
        assert.equal(
          await journalExportCommand(
            ['request', '--tenant', tenantId],
            io({ HERALD_API_KEY: apiKeys.alice! }),
          ),
          0,
        );
        const id = out[0]!;
        for (const who of ['alice', 'bob']) {
          assert.equal(await journalExportCommand(['approve', id], io({ HERALD_API_KEY: apiKeys[who]! })), 0);
        }
        // The PIN from a file this time (the keygen above had it from the environment).
        const pinFile = join(h.dir, 'pin');
        writeFileSync(pinFile, `${token.pin}\n`, { mode: 0o600 });
        const dir = join(h.dir, 'export');
        out = [];
        assert.equal(
          await journalExportCommand(
            ['run', id, '--pkcs11', '--pkcs11-pin-file', pinFile, '--out', dir],
            io({ HERALD_API_KEY: apiKeys.bob! }),
          ),
          0,
        );
        assert.match(out[0]!, /exported 4 records \(1 shredded\) at tree size 5/);
        const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
        const records = manifest.records.map(
          (r) => JSON.parse(readFileSync(join(dir, r.file), 'utf8')) as ExportedRecord,
        );
        for (const [i, r] of records.entries()) {
          if (i === 3) {
            assert.equal(r.shredded, true);
            assert.equal(r.record, null);
            assert.equal(r.dataKey, null);
            continue;
          }
          assert.deepEqual(r.record, JSON.parse(JSON.stringify(sampleRecord(i, tenantId))));
        }
        out = [];
        assert.equal(await journalVerifyCommand(['--export', dir, '--key', h.journalKey], io()), 0);
        assert.match(out[0]!, /^ok herald\.test\/journal: 4 entries/);
      });

      it('opens with the vault; another key’s record fails, a shredded one is reported shredded', async () => {
        const vault = await Pkcs11KeyVault.open(vaultConfig());
        try {
          assert.deepEqual(Buffer.from(await vault.publicKey()), archivePublicKey);
          const rows = await sealedRows();
          assert.equal(rows.length, 5);
          for (const row of rows) {
            if (row.tenantId === 'ten_other') {
              await assert.rejects(vault.open(row.sealed), code('HERALD_ERR_JOURNAL_OPEN_FAILED'));
              // The key file it was sealed to opens it: the failure is the key, not the record.
              const opened = await h.vault.open(row.sealed);
              assert.match(Buffer.from(opened.plaintext).toString(), /CANARY-PLAINTEXT-9/);
            } else if (row.sealed.sealedKey === null) {
              await assert.rejects(vault.open(row.sealed), code('HERALD_ERR_JOURNAL_SHREDDED'));
            } else {
              const i = Number(row.messageId!.slice('msg_'.length));
              const opened = await vault.open(row.sealed);
              assert.deepEqual(
                JSON.parse(Buffer.from(opened.plaintext).toString()),
                JSON.parse(JSON.stringify(sampleRecord(i, tenantId))),
              );
            }
          }
          // A sealed key altered by one bit does not open.
          const row = rows.find((r) => r.tenantId === tenantId && r.sealed.sealedKey !== null)!;
          const tampered = Buffer.from(row.sealed.sealedKey!);
          tampered[0]! ^= 1;
          await assert.rejects(
            vault.open({ ...row.sealed, sealedKey: tampered }),
            code('HERALD_ERR_JOURNAL_OPEN_FAILED'),
          );
        } finally {
          await vault.close();
        }
      });

      it('names what is wrong with stable codes, and never the PIN', async () => {
        const wrongPin = `${token.pin}-wrong`;
        const login = await Pkcs11KeyVault.open(vaultConfig({ pin: wrongPin })).then(
          () => assert.fail('opened with a wrong PIN'),
          (e: unknown) => e,
        );
        assert.ok(code('HERALD_ERR_VAULT_LOGIN_FAILED')(login), String(login));
        assert.match((login as Error).message, /CKR_PIN_INCORRECT/);
        assert.ok(!inspect(login, { depth: 10 }).includes(token.pin), 'the PIN is not in the error');
        await assert.rejects(
          Pkcs11KeyVault.open(vaultConfig({ tokenLabel: 'no-such-token' })),
          code('HERALD_ERR_VAULT_TOKEN_NOT_FOUND'),
        );
        await assert.rejects(
          Pkcs11KeyVault.open(vaultConfig({ keyLabel: 'no-such-key' })),
          code('HERALD_ERR_VAULT_KEY_NOT_FOUND'),
        );
        await assert.rejects(
          Pkcs11KeyVault.open(vaultConfig({ modulePath: join(h.dir, 'missing.so') })),
          code('HERALD_ERR_VAULT_MODULE'),
        );
        await assert.rejects(
          journalKeygenCommand(['--pkcs11'], io({ HERALD_PKCS11_PIN: token.pin })),
          code('HERALD_ERR_VAULT_KEY_EXISTS'),
        );
        // No PIN configured, and the PIN twice: refused before the token is touched.
        await assert.rejects(
          journalExportCommand(
            ['run', 'exp_x', '--pkcs11', '--out', h.dir],
            io({ HERALD_API_KEY: apiKeys.bob! }),
          ),
          code('HERALD_ERR_VAULT_CONFIG'),
        );
        // The failed login left nothing behind: the right PIN still works in this process.
        const vault = await Pkcs11KeyVault.open(vaultConfig());
        await vault.close();
      });

      it('refuses keys unfit to be the archive key: P-256, or an X25519 key that can leave the token', async () => {
        withRawSession(token, (lib, session) => {
          const common = (label: string) => [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_LABEL, value: label },
          ];
          lib.C_GenerateKeyPair(
            session,
            { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
            [
              ...common('p256'),
              { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
            ],
            [
              ...common('p256'),
              { type: pkcs11js.CKA_DERIVE, value: true },
              { type: pkcs11js.CKA_SENSITIVE, value: true },
            ],
          );
          lib.C_GenerateKeyPair(
            session,
            { mechanism: 0x1055 }, // SoftHSM 2.6's X25519 generation (see pkcs11js-token.ts)
            [...common('loose'), { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06032b656e', 'hex') }],
            [
              ...common('loose'),
              { type: pkcs11js.CKA_DERIVE, value: true },
              { type: pkcs11js.CKA_SENSITIVE, value: false },
              { type: pkcs11js.CKA_EXTRACTABLE, value: true },
            ],
          );
        });
        for (const keyLabel of ['p256', 'loose']) {
          const e = await Pkcs11KeyVault.open(vaultConfig({ keyLabel })).then(
            async (v) => {
              await v.close(); // so a failure here does not hold the module for the next suite
              return assert.fail(`opened ${keyLabel}`);
            },
            (e: unknown) => e,
          );
          assert.ok(code('HERALD_ERR_VAULT_KEY_UNSUPPORTED')(e), String(e));
          assert.match((e as Error).message, new RegExp(keyLabel));
        }
      });
    },
  );
}
