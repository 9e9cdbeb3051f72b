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

/** An SMTP reply: RFC 5321 §4.2 code, RFC 3463 enhanced status code, text. */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced?: string;
  readonly text: string;
}

/** RFC 3464 §2.3.3 actions a simulated DSN may report, or none at all. */
export const DSN_ACTIONS = ['delivered', 'failed', 'delayed', 'none'] as const;
export type DsnAction = (typeof DSN_ACTIONS)[number];

/** Fixed behaviour for one address; it wins over the random rates. */
export interface SmtpRecipientRule {
  /** The answer to RCPT TO instead of 250. */
  readonly rcpt?: SmtpReply;
  /** The answer after DATA instead of 250. */
  readonly data?: SmtpReply;
  /** The DSN sent after acceptance (`failed` is an asynchronous bounce). */
  readonly dsn?: DsnAction;
  /** RFC 3463 status in the DSN, e.g. "5.1.1". */
  readonly dsnStatus?: string;
  readonly dsnDelayMs?: Distribution;
}

/** The SMTP simulator's behaviour, with every default filled in. */
export interface SmtpProfile {
  /** The name in the greeting and in DSNs (`Reporting-MTA`). */
  readonly hostname: string;
  /** Offer STARTTLS (RFC 3207) with a self-signed certificate made at start. */
  readonly starttls: boolean;
  /** Refuse MAIL FROM before STARTTLS (530 5.7.0). */
  readonly requireTls: boolean;
  readonly maxMessageBytes: number;
  /** HMAC-SHA256 key of the `X-Herald-Sim-Signature` header on DSN webhooks. */
  readonly dsnSecret: string;
  readonly dsnRetryMs: number;
  readonly dsnMaxAttempts: number;
  /** DKIM public keys by DNS name (`selector._domainkey.domain`), PEM SPKI. */
  readonly dkimKeys: ReadonlyMap<string, string>;
  readonly behaviour: ChannelBehaviour;
  /** Overrides by recipient domain. */
  readonly regions: ReadonlyMap<string, BehaviourOverride>;
  /** Rules by address, lower case. */
  readonly recipients: ReadonlyMap<string, SmtpRecipientRule>;
}

/** Parses the `smtp:` section. */
export function smtpProfile(raw: unknown): SmtpProfile {
  if (raw === undefined || raw === null) raw = {};
  if (!isRecord(raw)) fail('smtp must be a mapping');
  checkKeys(raw, 'smtp', [
    'hostname',
    'starttls',
    'requireTls',
    'maxMessageBytes',
    'dsnSecret',
    'dsnRetryMs',
    'dsnMaxAttempts',
    'dkimKeys',
    'behaviour',
    'regions',
    'recipients',
  ]);
  return {
    hostname: text(raw['hostname'], 'smtp.hostname', /^[A-Za-z0-9.-]{1,253}$/) ?? 'mx.sandbox.herald.test',
    starttls: bool(raw['starttls'], 'smtp.starttls') ?? true,
    requireTls: bool(raw['requireTls'], 'smtp.requireTls') ?? false,
    maxMessageBytes: integer(raw['maxMessageBytes'], 'smtp.maxMessageBytes', 1024, 100_000_000) ?? 10_485_760,
    dsnSecret: text(raw['dsnSecret'], 'smtp.dsnSecret', /^.{8,}$/) ?? 'sandbox-dsn-secret',
    dsnRetryMs: integer(raw['dsnRetryMs'], 'smtp.dsnRetryMs', 1, 86_400_000) ?? 500,
    dsnMaxAttempts: integer(raw['dsnMaxAttempts'], 'smtp.dsnMaxAttempts', 1, 1000) ?? 10,
    dkimKeys: dkimKeys(raw['dkimKeys']),
    behaviour: behaviour(raw['behaviour'], 'smtp.behaviour', DEFAULT_BEHAVIOUR),
    regions: regions(raw['regions'], 'smtp.regions', (key) =>
      /^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(key)
        ? undefined
        : 'the key must be a domain such as "example.org"',
    ),
    recipients: recipients(raw['recipients']),
  };
}

/** Parses "550 5.1.1 No such user" into its parts. */
export function smtpReply(raw: unknown, path: string): SmtpReply | undefined {
  const line = text(raw, path);
  if (line === undefined) return undefined;
  const m = /^([2-5][0-9]{2})(?: ([245]\.[0-9]{1,3}\.[0-9]{1,3}))?(?: (.*))?$/.exec(line);
  if (m === null) fail(`${path} must look like "550 5.1.1 No such user"`);
  const reply = { code: Number(m[1]), text: m[3] ?? 'Simulated reply' };
  return m[2] === undefined ? reply : { ...reply, enhanced: m[2] };
}

function recipients(raw: unknown): Map<string, SmtpRecipientRule> {
  const out = new Map<string, SmtpRecipientRule>();
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) fail('smtp.recipients must be a mapping from address to rule');
  for (const [address, rule] of Object.entries(raw)) {
    const path = `smtp.recipients["${address}"]`;
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) fail(`${path}: the key must be an email address`);
    if (!isRecord(rule)) fail(`${path} must be a mapping`);
    checkKeys(rule, path, ['rcpt', 'data', 'dsn', 'dsnStatus', 'dsnDelayMs']);
    const parsed: { -readonly [K in keyof SmtpRecipientRule]: SmtpRecipientRule[K] } = {};
    const rcpt = smtpReply(rule['rcpt'], `${path}.rcpt`);
    if (rcpt !== undefined) parsed.rcpt = rcpt;
    const data = smtpReply(rule['data'], `${path}.data`);
    if (data !== undefined) parsed.data = data;
    const dsn = oneOf(rule['dsn'], `${path}.dsn`, DSN_ACTIONS);
    if (dsn !== undefined) parsed.dsn = dsn;
    const status = text(rule['dsnStatus'], `${path}.dsnStatus`, /^[245]\.[0-9]{1,3}\.[0-9]{1,3}$/);
    if (status !== undefined) parsed.dsnStatus = status;
    const delay = distribution(rule['dsnDelayMs'], `${path}.dsnDelayMs`);
    if (delay !== undefined) parsed.dsnDelayMs = delay;
    out.set(address.toLowerCase(), parsed);
  }
  return out;
}

function dkimKeys(raw: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) fail('smtp.dkimKeys must be a mapping from "selector._domainkey.domain" to a PEM key');
  for (const [name, pem] of Object.entries(raw)) {
    const path = `smtp.dkimKeys["${name}"]`;
    if (!/^[^.]+\._domainkey\.[A-Za-z0-9.-]+$/.test(name))
      fail(`${path}: the key must be selector._domainkey.domain`);
    out.set(name.toLowerCase(), text(pem, path, /BEGIN PUBLIC KEY/)!);
  }
  return out;
}
