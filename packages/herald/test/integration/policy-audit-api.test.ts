import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { generateApiKey } from '../../src/api/api-key.ts';
import { loadConfig } from '../../src/config.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import { eventually } from '../support/dispatcher-harness.ts';

const hospital = readFileSync(new URL('../../../../docs/policies/hospital.yaml', import.meta.url), 'utf8');

describe('policy lifecycle and the audit record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-policy-'));
  let gw: Gateway;
  let admin: Record<string, string>;
  let sender: Record<string, string>;
  const inject = (
    method: 'GET' | 'PUT' | 'POST',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => gw.app!.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  before(async () => {
    const config = loadConfig({ HERALD_DATA_DIR: dir, PORT: '0' });
    gw = await startGateway({
      config,
      api: true,
      worker: true,
      sandbox: true,
      logger: pino({ level: 'silent' }),
    });
    admin = { authorization: `Bearer ${gw.sandboxKey}` };
    const t = (await gw.store.tenants.findTenantByName('sandbox'))!;
    const { key, hash } = generateApiKey();
    await gw.store.tenants.createApiKey(t.id, 'sender', 'app', hash);
    sender = { authorization: `Bearer ${key}` };
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the shipped default policy', async () => {
    const p = (await inject('GET', '/v1/policy', sender)).json();
    assert.match(p.version, /^sha256:/);
  });

  it('refuses a broken policy with its position, and keeps the previous version', async () => {
    const before = (await inject('GET', '/v1/policy', admin)).json().version;
    const bad = await inject('PUT', '/v1/policy', admin, {
      source: 'rules:\n  - name: x\n    when: [\n',
      filename: 'bad.yaml',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'HERALD_ERR_POLICY_SYNTAX');
    assert.equal(bad.json().diagnostics[0].file, 'bad.yaml');
    assert.ok(bad.json().diagnostics[0].line >= 1);
    const unsafe = await inject('PUT', '/v1/policy', admin, {
      source:
        'version: 1\nname: unsafe\nrules:\n  - name: leak\n    when: { classification: restricted }\n    allow:\n      route:\n        - channel: sms\n',
    });
    assert.equal(unsafe.json().error.code, 'HERALD_ERR_POLICY_CONTENT_BELOW_TIER');
    assert.equal((await inject('GET', '/v1/policy', admin)).json().version, before);
  });

  it('refuses a policy whose own test cases fail', async () => {
    const broken = hospital.replace('rule: health-data-to-patients', 'rule: some-other-rule');
    const res = await inject('PUT', '/v1/policy', admin, { source: broken, filename: 'hospital.yaml' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().error.code, 'HERALD_ERR_POLICY_CASES_FAILED');
  });

  it('lets only admins change the policy, and records who did', async () => {
    assert.equal((await inject('PUT', '/v1/policy', sender, { source: hospital })).statusCode, 403);
    const ok = await inject('PUT', '/v1/policy', admin, { source: hospital, filename: 'hospital.yaml' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await inject('GET', '/v1/policy', admin)).json().version, ok.json().version);
    const audit = (await inject('GET', '/v1/audit?action=policy.change', admin)).json().data;
    assert.equal(audit[0].target, ok.json().version);
    assert.match(audit[0].actor, /^key_/);
  });

  it('explains a hypothetical message without sending anything', async () => {
    const before = await gw.store.messages.list((await gw.store.tenants.findTenantByName('sandbox'))!.id, {
      limit: 200,
    });
    const res = await inject('POST', '/v1/policy/explain', sender, {
      to: '+4930123456',
      classification: 'internal',
      labels: { data: 'health' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().decision.rule, 'health-data-to-patients');
    assert.match(res.json().explanation, /health-data-to-patients/);
    const afterList = await gw.store.messages.list((await gw.store.tenants.findTenantByName('sandbox'))!.id, {
      limit: 200,
    });
    assert.equal(afterList.length, before.length);
  });

  it('puts every notice-instead-of-content and fallback on the audit record, with metadata only', async () => {
    const res = await inject('POST', '/v1/messages', sender, {
      to: '+15550000001',
      content: { text: 'canary-lab-result-7d2e' },
      classification: 'internal',
      labels: { data: 'health' },
    });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().id as string;
    const detail = await eventually(async () => {
      const d = (await inject('GET', `/v1/messages/${id}`, sender)).json();
      return ['delivered', 'failed'].includes(d.status) ? d : undefined;
    }, 20_000);
    assert.deepEqual(
      detail.attempts.map((a: { channel: string; content: string }) => `${a.channel}:${a.content}`),
      ['sms:notice'],
      'health data reaches a phone only as a notice',
    );
    const audit = (await inject('GET', `/v1/audit?target=${id}`, admin)).json().data as Array<{
      action: string;
    }>;
    const actions = audit.map((a) => a.action).sort();
    assert.deepEqual(actions, [
      'message.fell_back',
      'message.fell_back',
      'message.notice_instead_of_content',
    ]);
    assert.equal(JSON.stringify(audit).includes('canary'), false);
    assert.equal((await inject('GET', '/v1/audit', sender)).statusCode, 403);
  });
});

describe('escalation and the watched policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-escalate-'));
  const policyFile = join(dir, 'policy.yaml');
  const escalating = (reason: string) =>
    `version: 1\nname: review-all\nrules:\n  - name: review\n    when: { labels: { review: "yes" }, classification: [public, internal] }\n    escalate:\n      reason: ${reason}\n      route:\n        - channel: sms\n  - name: rest\n    when: { classification: [public, internal] }\n    allow:\n      route:\n        - channel: sms\n`;
  let gw: Gateway;
  let admin: Record<string, string>;

  before(async () => {
    writeFileSync(policyFile, escalating('a human looks first'));
    const config = loadConfig({ HERALD_DATA_DIR: dir, PORT: '0', HERALD_POLICY_FILE: policyFile });
    gw = await startGateway({
      config,
      api: true,
      worker: true,
      sandbox: true,
      logger: pino({ level: 'silent' }),
    });
    admin = { authorization: `Bearer ${gw.sandboxKey}` };
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async () => {
    const res = await gw.app!.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: admin,
      payload: {
        to: '+15550000001',
        content: { text: 'needs review' },
        classification: 'internal',
        labels: { review: 'yes' },
      },
    });
    assert.equal(res.json().status, 'escalated');
    return res.json().id as string;
  };
  const status = async (id: string) =>
    (await gw.app!.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: admin })).json()
      .status as string;

  it('holds an escalated message until a reviewer releases or rejects it, on the record', async () => {
    const held = await send();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await status(held), 'escalated', 'nothing is sent while held');
    const released = await gw.app!.inject({
      method: 'POST',
      url: `/v1/messages/${held}/release`,
      headers: admin,
    });
    assert.equal(released.statusCode, 200, released.body);
    await eventually(
      async () => ((await status(held)) === 'delivered' ? true : undefined),
      10_000,
      'delivery after release',
    );
    const again = await gw.app!.inject({
      method: 'POST',
      url: `/v1/messages/${held}/release`,
      headers: admin,
    });
    assert.equal(again.json().error.code, 'HERALD_ERR_MESSAGE_NOT_ESCALATED');

    const rejected = await send();
    await gw.app!.inject({ method: 'POST', url: `/v1/messages/${rejected}/reject`, headers: admin });
    assert.equal(await status(rejected), 'blocked');
    const audit = (await gw.app!.inject({ method: 'GET', url: '/v1/audit?limit=200', headers: admin })).json()
      .data as Array<{
      action: string;
      target: string;
    }>;
    assert.ok(audit.some((a) => a.action === 'message.escalated' && a.target === held));
    assert.ok(audit.some((a) => a.action === 'message.released' && a.target === held));
    assert.ok(audit.some((a) => a.action === 'message.rejected' && a.target === rejected));
  });

  it('activates a changed policy file that passes its checks, and keeps the old one otherwise', async () => {
    const first = (await gw.app!.inject({ method: 'GET', url: '/v1/policy', headers: admin })).json().version;
    writeFileSync(policyFile, 'rules: [ broken');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(
      (await gw.app!.inject({ method: 'GET', url: '/v1/policy', headers: admin })).json().version,
      first,
    );
    writeFileSync(policyFile, escalating('changed reason'));
    const next = await eventually(
      async () => {
        const v = (await gw.app!.inject({ method: 'GET', url: '/v1/policy', headers: admin })).json().version;
        return v !== first ? v : undefined;
      },
      5000,
      'the new version',
    );
    assert.match(next, /^sha256:/);
    const audit = (
      await gw.app!.inject({ method: 'GET', url: '/v1/audit?action=policy.change', headers: admin })
    ).json().data;
    assert.equal(audit[0].actor, `file:${policyFile}`);
  });
});
