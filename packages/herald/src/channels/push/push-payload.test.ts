import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MessageId } from '../../ids.ts';
import { ApnsTokenSigner } from './apns-token.ts';
import { apnsId, apnsPayload, DEFAULT_PUSH_ALERT, fcmBody } from './push-payload.ts';

describe('push payloads', () => {
  it('carry the opaque reference and never the message body', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.stringMatching(/^msg_[0-9a-z]{8,26}$/), (text, id) => {
        // The builders take Pick<OutboundMessage, 'messageId' | 'expiresAt'>; a caller passing a
        // whole message (possible in plain JS) must still get no content in the payload.
        const body = `SECRET-${text}`;
        const message = { messageId: id as MessageId, body, contentKind: 'full' };
        const apns = apnsPayload(message, DEFAULT_PUSH_ALERT);
        const fcm = fcmBody(message, 'tok', DEFAULT_PUSH_ALERT, 60);
        assert.ok(!apns.includes('SECRET-') && !fcm.includes('SECRET-'));
        assert.equal(JSON.parse(apns).herald.ref, id);
        assert.equal(JSON.parse(fcm).message.data.herald_ref, id);
      }),
      { numRuns: 200 },
    );
  });

  it('derives the same RFC 9562 version-8 apns-id for every try of a message', () => {
    const a = apnsId({ messageId: 'msg_a' as MessageId });
    assert.equal(a, apnsId({ messageId: 'msg_a' as MessageId }));
    assert.notEqual(a, apnsId({ messageId: 'msg_b' as MessageId }));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('APNs provider token', () => {
  it('is an ES256 JWT with kid and iss that verifies with the public key, reused until refresh', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let now = 1_700_000_000_000;
    const signer = new ApnsTokenSigner({
      teamId: 'TEAM123456',
      keyId: 'KEY1234567',
      privateKey,
      now: () => now,
    });
    const token = signer.token();
    const [h, c, s] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), {
      alg: 'ES256',
      kid: 'KEY1234567',
    });
    assert.deepEqual(JSON.parse(Buffer.from(c!, 'base64url').toString()), {
      iss: 'TEAM123456',
      iat: 1_700_000_000,
    });
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${c}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s!, 'base64url'),
    );
    assert.ok(ok);
    now += 49 * 60_000;
    assert.equal(signer.token(), token);
    now += 60_000;
    assert.notEqual(signer.token(), token);
  });
});
