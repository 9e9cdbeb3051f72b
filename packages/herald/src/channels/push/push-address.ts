import { HeraldError } from '../../errors/index.ts';

/** A parsed push address: which provider, and the device token it issued. */
export interface PushAddress {
  readonly provider: 'apns' | 'fcm';
  readonly token: string;
}

/**
 * Herald's push addresses: `apns:<hex device token>` (APNs tokens are 32 bytes or more, sent as
 * hex) or `fcm:<registration token>`. Anything else is HERALD_ERR_CHANNEL_INVALID_DESTINATION.
 */
export function parsePushAddress(to: string): PushAddress {
  const apns = /^apns:([0-9a-fA-F]{64,200})$/.exec(to);
  if (apns !== null) return { provider: 'apns', token: apns[1]!.toLowerCase() };
  const fcm = /^fcm:([A-Za-z0-9_:.-]{1,4096})$/.exec(to);
  if (fcm !== null) return { provider: 'fcm', token: fcm[1]! };
  throw new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'push' });
}
