import type { KeyObject } from 'node:crypto';
import type { ChannelLogger } from '../rcs/rbm-adapter-options.ts';
import type { PushAlert } from './push-payload.ts';

/** APNs token-based connection settings. */
export interface ApnsOptions {
  /** `https://api.push.apple.com`, `https://api.sandbox.push.apple.com`, or the simulator's `url`. */
  readonly origin: string;
  /** Apple Developer team id: the JWT `iss`. */
  readonly teamId: string;
  /** The signing key's id: the JWT `kid`. */
  readonly keyId: string;
  /** The `.p8` signing key (PEM PKCS #8, P-256). */
  readonly privateKey: string | KeyObject;
  /** The app's bundle id: `apns-topic`. */
  readonly topic: string;
  /** Extra trusted CA (PEM), for the simulator's self-signed certificate. */
  readonly ca?: string;
}

/** FCM HTTP v1 settings. */
export interface FcmOptions {
  /** Default `https://fcm.googleapis.com`; the simulator's `url` in sandbox. */
  readonly origin?: string;
  readonly projectId: string;
  /** An OAuth 2.0 access token (scope firebase.messaging), or a function returning a current one. */
  readonly accessToken: string | (() => Promise<string>);
  readonly ca?: string;
}

/** How to reach the push providers; configure either or both. */
export interface PushAdapterOptions {
  readonly apns?: ApnsOptions;
  readonly fcm?: FcmOptions;
  /** The fixed, content-free alert. Default: loc-key `HERALD_NEW_MESSAGE`. */
  readonly alert?: PushAlert;
  /** TTL for messages without `expiresAt`; absent: the provider's default. */
  readonly defaultTtlSeconds?: number;
  /** Per-request deadline. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  readonly logger?: ChannelLogger;
}

/** The adapter's defaults. */
export const PUSH_ADAPTER_DEFAULTS = {
  requestTimeoutMs: 10_000,
  fcmOrigin: 'https://fcm.googleapis.com',
} as const;
