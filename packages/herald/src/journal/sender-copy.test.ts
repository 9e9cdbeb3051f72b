import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isHeraldError } from '../errors/index.ts';
import { FileKeyVault } from './file-key-vault.ts';
import {
  mlsDigest,
  openSenderCopy,
  SENDER_COPY_LIMITS,
  sealSenderCopy,
  type SenderCopy,
} from './sender-copy.ts';

const dir = mkdtempSync(join(tmpdir(), 'herald-sender-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const copy: SenderCopy = {
  v: 1,
  text: 'the quarterly figures',
  recipients: ['user:alice'],
  clientReference: 'crm-1',
  mlsDigest: mlsDigest(Uint8Array.of(1, 2, 3)),
};

describe('sender-sealed journal copies', () => {
  it('open with the archive key to exactly what was sealed, within the API bounds', async () => {
    const vault = await FileKeyVault.generate(join(dir, 'a.key'));
    const sealed = sealSenderCopy(await vault.publicKey(), copy);
    assert.match(sealed.id, new RegExp(SENDER_COPY_LIMITS.idPattern));
    assert.equal(sealed.enc.length, SENDER_COPY_LIMITS.encChars);
    assert.equal(sealed.key.length, SENDER_COPY_LIMITS.keyChars);
    assert.ok(!Buffer.from(sealed.ct, 'base64').toString('latin1').includes(copy.text), 'no plaintext');
    const opened = await openSenderCopy(vault, sealed);
    assert.deepEqual(opened.copy, copy);
    assert.equal(opened.dataKey.length, 32);
    assert.notEqual(sealSenderCopy(await vault.publicKey(), copy).id, sealed.id, 'a fresh id each time');
  });

  it('do not open with another key, nor under another id', async () => {
    const vault = await FileKeyVault.generate(join(dir, 'b.key'));
    const other = await FileKeyVault.generate(join(dir, 'c.key'));
    const sealed = sealSenderCopy(await vault.publicKey(), copy);
    const failed = (err: unknown) => isHeraldError(err) && err.code === 'HERALD_ERR_JOURNAL_OPEN_FAILED';
    await assert.rejects(openSenderCopy(other, sealed), failed);
    await assert.rejects(openSenderCopy(vault, { ...sealed, id: 'sc_BBBBBBBBBBBBBBBBBBBBBB' }), failed);
  });
});
