import {
  behaviour,
  DEFAULT_BEHAVIOUR,
  fail,
  oneOf,
  regions,
  text,
  type BehaviourOverride,
  type ChannelBehaviour,
} from './profile-behaviour.ts';
import { checkKeys, distribution, isRecord, type Distribution } from './profile-fields.ts';
import { HTTP_FAULTS } from './profile-rbm.ts';

/** What a simulated push provider answers for one device token. */
export const PUSH_FAULTS = ['unregistered', 'bad_token', ...HTTP_FAULTS] as const;
export type PushFault = (typeof PUSH_FAULTS)[number];

/** Fixed behaviour for one device token; it wins over the random rates. */
export interface PushRecipientRule {
  readonly fault?: PushFault;
  readonly latencyMs?: Distribution;
}

/** The push simulator's behaviour, with every default filled in. */
export interface PushProfile {
  readonly apns: {
    /** The `iss` the provider token must carry (Apple Developer team id). */
    readonly teamId: string;
    /** The `kid` of the signing key. */
    readonly keyId: string;
    /** The `apns-topic` (bundle id) pushes must name. */
    readonly topic: string;
    /** The key's public half (PEM); absent: a sandbox key pair is made at start. */
    readonly publicKey?: string;
  };
  readonly fcm: {
    readonly projectId: string;
    /** The OAuth bearer token the FCM endpoint accepts. */
    readonly token: string;
  };
  readonly behaviour: ChannelBehaviour;
  /** Overrides per provider: `apns` or `fcm`. */
  readonly regions: ReadonlyMap<string, BehaviourOverride>;
  /** Rules by Herald push address (`apns:<hex token>`, `fcm:<token>`). */
  readonly recipients: ReadonlyMap<string, PushRecipientRule>;
}

/** Parses the `push:` section. */
export function pushProfile(raw: unknown): PushProfile {
  if (raw === undefined || raw === null) raw = {};
  if (!isRecord(raw)) fail('push must be a mapping');
  checkKeys(raw, 'push', ['apns', 'fcm', 'behaviour', 'regions', 'recipients']);
  const apns = raw['apns'] ?? {};
  if (!isRecord(apns)) fail('push.apns must be a mapping');
  checkKeys(apns, 'push.apns', ['teamId', 'keyId', 'topic', 'publicKey']);
  const fcm = raw['fcm'] ?? {};
  if (!isRecord(fcm)) fail('push.fcm must be a mapping');
  checkKeys(fcm, 'push.fcm', ['projectId', 'token']);
  const publicKey = text(apns['publicKey'], 'push.apns.publicKey', /BEGIN PUBLIC KEY/);
  return {
    apns: {
      teamId: text(apns['teamId'], 'push.apns.teamId', /^[A-Z0-9]{10}$/) ?? 'HERALDSBX1',
      keyId: text(apns['keyId'], 'push.apns.keyId', /^[A-Z0-9]{10}$/) ?? 'SANDBOXKEY',
      topic: text(apns['topic'], 'push.apns.topic', /^[A-Za-z0-9.-]+$/) ?? 'test.herald.sandbox',
      ...(publicKey === undefined ? {} : { publicKey }),
    },
    fcm: {
      projectId: text(fcm['projectId'], 'push.fcm.projectId', /^[a-z0-9-]{1,64}$/) ?? 'herald-sandbox',
      token: text(fcm['token'], 'push.fcm.token') ?? 'sandbox-fcm-token',
    },
    behaviour: behaviour(raw['behaviour'], 'push.behaviour', DEFAULT_BEHAVIOUR),
    regions: regions(raw['regions'], 'push.regions', (key) =>
      key === 'apns' || key === 'fcm' ? undefined : 'the key must be apns or fcm',
    ),
    recipients: recipients(raw['recipients']),
  };
}

function recipients(raw: unknown): Map<string, PushRecipientRule> {
  const out = new Map<string, PushRecipientRule>();
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) fail('push.recipients must be a mapping from push address to rule');
  for (const [address, rule] of Object.entries(raw)) {
    const path = `push.recipients["${address}"]`;
    if (!/^(apns:[0-9a-fA-F]{64,200}|fcm:[A-Za-z0-9_:.-]{1,4096})$/.test(address)) {
      fail(`${path}: the key must be "apns:<hex token>" or "fcm:<token>"`);
    }
    if (!isRecord(rule)) fail(`${path} must be a mapping`);
    checkKeys(rule, path, ['fault', 'latencyMs']);
    const parsed: { -readonly [K in keyof PushRecipientRule]: PushRecipientRule[K] } = {};
    const fault = oneOf(rule['fault'], `${path}.fault`, PUSH_FAULTS);
    if (fault !== undefined) parsed.fault = fault;
    const latency = distribution(rule['latencyMs'], `${path}.latencyMs`);
    if (latency !== undefined) parsed.latencyMs = latency;
    out.set(address.startsWith('apns:') ? address.toLowerCase() : address, parsed);
  }
  return out;
}
