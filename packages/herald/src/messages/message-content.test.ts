import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox } from '../crypto/secret-box.ts';
import { openContent, sealContent } from './message-content.ts';

const box = new SecretBox(randomBytes(32));

describe('sealed message content', () => {
  it('opens text and MLS content as what was sealed', () => {
    assert.deepEqual(openContent(box, sealContent(box, { text: 'hello' }, 'msg_1'), 'msg_1'), {
      text: 'hello',
    });
    const mls = { groupId: 'AAAAAAAAAAAAAAAAAAAAAA==', message: 'AAEC' };
    assert.deepEqual(openContent(box, sealContent(box, { mls }, 'msg_2'), 'msg_2'), { mls });
  });

  it("keeps the sender's sealed journal copy with MLS content, and drops nothing else", () => {
    const mls = { groupId: 'AAAAAAAAAAAAAAAAAAAAAA==', message: 'AAEC' };
    const journalCopy = { v: 1 as const, id: 'sc_AAAAAAAAAAAAAAAAAAAAAA', enc: 'e', key: 'k', ct: 'c' };
    assert.deepEqual(openContent(box, sealContent(box, { mls, journalCopy }, 'msg_7'), 'msg_7'), {
      mls,
      journalCopy,
    });
  });

  it('keeps sealed text readable as before (bound to the bare message id)', () => {
    assert.equal(box.open(sealContent(box, { text: 'hello' }, 'msg_3'), 'msg_3'), 'hello');
  });

  it('never reads a text that looks like an MLS envelope as one', () => {
    const text = JSON.stringify({ groupId: 'AAAAAAAAAAAAAAAAAAAAAA==', message: 'AAEC' });
    assert.deepEqual(openContent(box, sealContent(box, { text }, 'msg_4'), 'msg_4'), { text });
  });

  it('refuses content moved to another message', () => {
    const mls = { groupId: 'AAAAAAAAAAAAAAAAAAAAAA==', message: 'AAEC' };
    assert.throws(() => openContent(box, sealContent(box, { mls }, 'msg_5'), 'msg_6'));
    assert.throws(() => openContent(box, sealContent(box, { text: 'x' }, 'msg_5'), 'msg_6'));
  });
});
