import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kannelConfig, type KannelSetup } from './kannel-config.ts';

const setup: KannelSetup = {
  dir: 'kannel-run',
  adminPort: 13000,
  adminPassword: 'adm1n',
  boxPort: 13001,
  sendsmsPort: 13013,
  sendsmsUser: { username: 'bench', password: 's3cret' },
  smsc: { host: '127.0.0.1', port: 2775, systemId: 'kannel', password: 'kannel', window: 50 },
  sender: 'Kannel',
};

/** The groups of a kannel.conf as maps, in order. */
function groups(conf: string): Array<Map<string, string>> {
  return conf
    .trim()
    .split(/\n\n+/)
    .map((block) => new Map(block.split('\n').map((l) => l.split(' = ') as [string, string])));
}

describe('kannelConfig', () => {
  test('binds one SMPP transceiver to the SMSC with the given window and account', () => {
    const smsc = groups(kannelConfig(setup)).find((g) => g.get('group') === 'smsc')!;
    assert.equal(smsc.get('smsc'), 'smpp');
    assert.equal(smsc.get('host'), '"127.0.0.1"');
    assert.equal(smsc.get('port'), '2775');
    assert.equal(smsc.get('transceiver-mode'), 'true');
    assert.equal(smsc.get('smsc-username'), '"kannel"');
    assert.equal(smsc.get('max-pending-submits'), '50');
  });

  test('keeps every listener on loopback and the store and logs in the given directory', () => {
    const [core, , smsbox] = groups(kannelConfig(setup));
    assert.equal(core!.get('admin-interface'), '127.0.0.1');
    assert.equal(core!.get('smsbox-interface'), '127.0.0.1');
    assert.equal(core!.get('store-location'), '"kannel-run/kannel.store"');
    assert.equal(smsbox!.get('sendsms-interface'), '127.0.0.1');
    assert.equal(smsbox!.get('sendsms-port'), '13013');
    assert.equal(smsbox!.get('bearerbox-port'), core!.get('smsbox-port'));
  });

  test('refuses values Kannel cannot quote and SMPP credentials longer than SMPP 3.4 allows', () => {
    assert.throws(() => kannelConfig({ ...setup, adminPassword: 'a"b' }), TypeError);
    assert.throws(() => kannelConfig({ ...setup, dir: '/tmp/x\ny' }), TypeError);
    assert.throws(
      () => kannelConfig({ ...setup, smsc: { ...setup.smsc, password: 'ninechars' } }),
      RangeError,
    );
    assert.throws(
      () => kannelConfig({ ...setup, smsc: { ...setup.smsc, systemId: 'x'.repeat(16) } }),
      RangeError,
    );
    assert.throws(() => kannelConfig({ ...setup, sendsmsPort: 70000 }), RangeError);
  });
});
