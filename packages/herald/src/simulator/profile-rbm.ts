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
import { bool, checkKeys, distribution, integer, isRecord, type Distribution } from './profile-fields.ts';

/** HTTP faults a simulated provider can answer a send with. */
export const HTTP_FAULTS = ['throttled', 'unavailable', 'internal', 'invalid', 'unauthorized'] as const;
export type HttpFault = (typeof HTTP_FAULTS)[number];

/**
 * Whether a number is on RCS: `true`, `false` (capability lookups and sends answer 404), or
 * `lost` (the capability lookup still says yes, as RBM's 31-day memory does, but the device has
 * left RCS, so sends answer 404).
 */
export type RcsCapability = boolean | 'lost';

/** Fixed behaviour for one phone number; it wins over the random rates. */
export interface RbmRecipientRule {
  readonly rcs?: RcsCapability;
  /** Answer every send with this fault instead of accepting it. */
  readonly send?: HttpFault;
  readonly latencyMs?: Distribution;
  /** `none`: accepted but never delivered (no DELIVERED event). */
  readonly delivery?: 'delivered' | 'none';
  readonly deliveryDelayMs?: Distribution;
  readonly read?: boolean;
  readonly readDelayMs?: Distribution;
  /** After reading, the user answers with this text (a tapped suggestion when it has postbackData). */
  readonly reply?: { readonly text: string; readonly postbackData?: string };
}

/** The RBM simulator's behaviour, with every default filled in. */
export interface RbmProfile {
  readonly agentId: string;
  /** The `Authorization: Bearer` token the API accepts; empty accepts any. */
  readonly token: string;
  /** The webhook's client token: the HMAC-SHA512 key of `X-Goog-Signature`. */
  readonly clientToken: string;
  /** Whether numbers without a rule are on RCS. */
  readonly defaultCapable: boolean;
  /** Wait before posting an event again after the webhook answered non-2xx or not at all. */
  readonly webhookRetryMs: number;
  readonly webhookMaxAttempts: number;
  readonly behaviour: ChannelBehaviour;
  /** Overrides by number prefix ("+44"), longest prefix first. */
  readonly regions: ReadonlyMap<string, BehaviourOverride>;
  /** Rules by E.164 number, '+' included. */
  readonly recipients: ReadonlyMap<string, RbmRecipientRule>;
}

const E164 = /^\+[1-9][0-9]{1,14}$/;

/** Parses the `rbm:` section. */
export function rbmProfile(raw: unknown): RbmProfile {
  if (raw === undefined || raw === null) raw = {};
  if (!isRecord(raw)) fail('rbm must be a mapping');
  checkKeys(raw, 'rbm', [
    'agentId',
    'token',
    'clientToken',
    'defaultCapable',
    'webhookRetryMs',
    'webhookMaxAttempts',
    'behaviour',
    'regions',
    'recipients',
  ]);
  return {
    agentId: text(raw['agentId'], 'rbm.agentId', /^[A-Za-z0-9_-]{1,100}$/) ?? 'herald-sandbox',
    token: text(raw['token'], 'rbm.token') ?? '',
    clientToken: text(raw['clientToken'], 'rbm.clientToken', /^.{8,}$/) ?? 'sandbox-client-token',
    defaultCapable: bool(raw['defaultCapable'], 'rbm.defaultCapable') ?? true,
    webhookRetryMs: integer(raw['webhookRetryMs'], 'rbm.webhookRetryMs', 1, 86_400_000) ?? 500,
    webhookMaxAttempts: integer(raw['webhookMaxAttempts'], 'rbm.webhookMaxAttempts', 1, 1000) ?? 10,
    behaviour: behaviour(raw['behaviour'], 'rbm.behaviour', DEFAULT_BEHAVIOUR),
    regions: regions(raw['regions'], 'rbm.regions', (key) =>
      /^\+[0-9]{1,15}$/.test(key) ? undefined : 'the key must be a number prefix such as "+44"',
    ),
    recipients: recipients(raw['recipients']),
  };
}

function recipients(raw: unknown): Map<string, RbmRecipientRule> {
  const out = new Map<string, RbmRecipientRule>();
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) fail('rbm.recipients must be a mapping from number to rule');
  for (const [number, rule] of Object.entries(raw)) {
    const path = `rbm.recipients["${number}"]`;
    if (!E164.test(number)) fail(`${path}: the key must be an E.164 number such as "+15550000101"`);
    if (!isRecord(rule)) fail(`${path} must be a mapping`);
    checkKeys(rule, path, [
      'rcs',
      'send',
      'latencyMs',
      'delivery',
      'deliveryDelayMs',
      'read',
      'readDelayMs',
      'reply',
    ]);
    const parsed: { -readonly [K in keyof RbmRecipientRule]: RbmRecipientRule[K] } = {};
    const rcs = rule['rcs'];
    if (rcs !== undefined) {
      if (rcs !== true && rcs !== false && rcs !== 'lost') fail(`${path}.rcs must be true, false or lost`);
      parsed.rcs = rcs;
    }
    const send = oneOf(rule['send'], `${path}.send`, HTTP_FAULTS);
    if (send !== undefined) parsed.send = send;
    const latency = distribution(rule['latencyMs'], `${path}.latencyMs`);
    if (latency !== undefined) parsed.latencyMs = latency;
    const delivery = oneOf(rule['delivery'], `${path}.delivery`, ['delivered', 'none'] as const);
    if (delivery !== undefined) parsed.delivery = delivery;
    const deliveryDelay = distribution(rule['deliveryDelayMs'], `${path}.deliveryDelayMs`);
    if (deliveryDelay !== undefined) parsed.deliveryDelayMs = deliveryDelay;
    const read = bool(rule['read'], `${path}.read`);
    if (read !== undefined) parsed.read = read;
    const readDelay = distribution(rule['readDelayMs'], `${path}.readDelayMs`);
    if (readDelay !== undefined) parsed.readDelayMs = readDelay;
    const reply = rule['reply'];
    if (typeof reply === 'string') parsed.reply = { text: reply };
    else if (isRecord(reply)) {
      checkKeys(reply, `${path}.reply`, ['text', 'postbackData']);
      const replyText = text(reply['text'], `${path}.reply.text`);
      if (replyText === undefined) fail(`${path}.reply needs text`);
      const postbackData = text(reply['postbackData'], `${path}.reply.postbackData`);
      parsed.reply = postbackData === undefined ? { text: replyText } : { text: replyText, postbackData };
    } else if (reply !== undefined) fail(`${path}.reply must be text or { text, postbackData }`);
    out.set(number, parsed);
  }
  return out;
}
