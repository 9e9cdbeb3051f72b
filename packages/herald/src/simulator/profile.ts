import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { HeraldError } from '../errors/index.ts';
import { commandStatusByName } from '../channels/sms/smpp-status.ts';
import { bool, checkKeys, delayRange, integer, isRecord, rate, type DelayRange } from './profile-fields.ts';
import { pushProfile, type PushProfile } from './profile-push.ts';
import { rbmProfile, type RbmProfile } from './profile-rbm.ts';
import { smtpProfile, type SmtpProfile } from './profile-smtp.ts';

/** A delay drawn uniformly from [min, max] ms. */
export type { DelayRange } from './profile-fields.ts';

/** Receipt outcomes a profile may ask for: SMPP 3.4 Appendix B final stat words, or no receipt. */
export const PROFILE_RECEIPTS = [
  'DELIVRD',
  'UNDELIV',
  'EXPIRED',
  'REJECTD',
  'DELETED',
  'UNKNOWN',
  'none',
] as const;
export type ProfileReceipt = (typeof PROFILE_RECEIPTS)[number];

/** Which receipt encodings the SMSC sends: Appendix B text, the TLVs, or both (the default). */
export const RECEIPT_FORMATS = ['both', 'text', 'tlv'] as const;
export type ReceiptFormat = (typeof RECEIPT_FORMATS)[number];

/** Fixed behaviour for one destination number; it overrides the random rates. */
export interface SmscRecipientRule {
  /** command_status for submit_sm_resp (SMPP 3.4 §5.1.3); 0 accepts. */
  readonly submitStatus?: number;
  readonly submitLatencyMs?: DelayRange;
  readonly receipt?: ProfileReceipt;
  readonly receiptDelayMs?: DelayRange;
  /** The receipt's `err:` field (three digits). */
  readonly err?: string;
  /** After a DELIVRD receipt, the recipient answers with this text (a mobile-originated deliver_sm). */
  readonly reply?: string;
}

/** An ESME account the SMSC accepts binds from. */
export interface SmscAccount {
  readonly systemId: string;
  readonly password: string;
}

/** The SMSC's behaviour, with every default filled in. */
export interface SmscProfile {
  /** Empty means any system_id/password may bind. */
  readonly accounts: readonly SmscAccount[];
  readonly submitLatencyMs: DelayRange;
  readonly receiptDelayMs: DelayRange;
  /** Wait before redelivering a receipt the ESME refused or never answered. */
  readonly receiptRetryMs: number;
  readonly receiptMaxAttempts: number;
  /** Share of submits answered ESME_RSYSERR (a retryable SMSC fault). */
  readonly failureRate: number;
  /** Share of accepted messages whose receipt says UNDELIV. */
  readonly undeliveredRate: number;
  /** Submits per second before ESME_RTHROTTLED; 0 means no limit. */
  readonly throttlePerSecond: number;
  /** Submits the SMSC holds unanswered before ESME_RMSGQFUL; 0 means no limit. */
  readonly maxOutstanding: number;
  readonly receiptFormat: ReceiptFormat;
  /** Per-destination rules, keyed by the number's digits (no '+'). */
  readonly recipients: ReadonlyMap<string, SmscRecipientRule>;
  /** Whether to log each PDU (metadata only). */
  readonly trace: boolean;
}

/** A validated simulator profile. */
export interface SimulatorProfile {
  readonly seed: number;
  readonly smsc: SmscProfile;
  /** The RBM-shaped RCS API (`profile-rbm.ts`). */
  readonly rbm: RbmProfile;
  /** The SMTP server (`profile-smtp.ts`). */
  readonly smtp: SmtpProfile;
  /** The APNs- and FCM-shaped push endpoints (`profile-push.ts`). */
  readonly push: PushProfile;
}

/** The sandbox profile shipped with Herald (documented in docs/sandbox.md). */
export const DEFAULT_PROFILE_PATH = fileURLToPath(new URL('./profiles/default.yaml', import.meta.url));

/** Reads and validates a YAML profile file. */
export function loadProfile(path: string = DEFAULT_PROFILE_PATH): SimulatorProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'read error';
    throw new HeraldError('HERALD_ERR_SIMULATOR_BAD_PROFILE', { detail: `cannot read ${path} (${code})` });
  }
  return parseProfile(text);
}

/** Parses and validates profile YAML. */
export function parseProfile(text: string): SimulatorProfile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n', 1)[0] : 'unparseable';
    throw new HeraldError('HERALD_ERR_SIMULATOR_BAD_PROFILE', { detail: `not YAML: ${detail}` });
  }
  return validateProfile(doc ?? {});
}

/** Validates a parsed profile; every problem names the field it is about. */
export function validateProfile(doc: unknown): SimulatorProfile {
  if (!isRecord(doc)) fail('the profile must be a mapping');
  checkKeys(doc, '', ['version', 'seed', 'smsc', 'rbm', 'smtp', 'push']);
  if (doc['version'] !== undefined && doc['version'] !== 1) fail('version: only version 1 is known');
  const seed = integer(doc['seed'], 'seed', 0, 0xffffffff) ?? 1;
  return {
    seed,
    smsc: smscProfile(doc['smsc'] ?? {}),
    rbm: rbmProfile(doc['rbm']),
    smtp: smtpProfile(doc['smtp']),
    push: pushProfile(doc['push']),
  };
}

function smscProfile(raw: unknown): SmscProfile {
  if (!isRecord(raw)) fail('smsc must be a mapping');
  checkKeys(raw, 'smsc', [
    'accounts',
    'submitLatencyMs',
    'receiptDelayMs',
    'receiptRetryMs',
    'receiptMaxAttempts',
    'failureRate',
    'undeliveredRate',
    'throttle',
    'maxOutstanding',
    'receiptFormat',
    'recipients',
    'trace',
  ]);
  const throttle = raw['throttle'] ?? {};
  if (!isRecord(throttle)) fail('smsc.throttle must be a mapping');
  checkKeys(throttle, 'smsc.throttle', ['maxPerSecond']);
  const format = raw['receiptFormat'] ?? 'both';
  if (!(RECEIPT_FORMATS as readonly unknown[]).includes(format)) {
    fail(`smsc.receiptFormat must be one of ${RECEIPT_FORMATS.join(', ')}`);
  }
  return {
    accounts: accounts(raw['accounts']),
    submitLatencyMs: delayRange(raw['submitLatencyMs'], 'smsc.submitLatencyMs') ?? { min: 0, max: 0 },
    receiptDelayMs: delayRange(raw['receiptDelayMs'], 'smsc.receiptDelayMs') ?? { min: 50, max: 250 },
    receiptRetryMs: integer(raw['receiptRetryMs'], 'smsc.receiptRetryMs', 1, 86_400_000) ?? 500,
    receiptMaxAttempts: integer(raw['receiptMaxAttempts'], 'smsc.receiptMaxAttempts', 1, 1000) ?? 10,
    failureRate: rate(raw['failureRate'], 'smsc.failureRate') ?? 0,
    undeliveredRate: rate(raw['undeliveredRate'], 'smsc.undeliveredRate') ?? 0,
    throttlePerSecond: integer(throttle['maxPerSecond'], 'smsc.throttle.maxPerSecond', 0, 10_000_000) ?? 0,
    maxOutstanding: integer(raw['maxOutstanding'], 'smsc.maxOutstanding', 0, 1_000_000) ?? 0,
    receiptFormat: format as ReceiptFormat,
    recipients: recipients(raw['recipients']),
    trace: bool(raw['trace'], 'smsc.trace') ?? false,
  };
}

function accounts(raw: unknown): SmscAccount[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail('smsc.accounts must be a list');
  return raw.map((item: unknown, i) => {
    const path = `smsc.accounts[${i}]`;
    if (!isRecord(item)) fail(`${path} must be a mapping with systemId and password`);
    checkKeys(item, path, ['systemId', 'password']);
    const { systemId, password } = item;
    // SMPP 3.4 §5.2.1/§5.2.2: system_id up to 15 characters, password up to 8.
    if (typeof systemId !== 'string' || systemId.length < 1 || systemId.length > 15) {
      fail(`${path}.systemId must be a string of 1 to 15 characters`);
    }
    if (typeof password !== 'string' || password.length > 8)
      fail(`${path}.password must be a string of at most 8 characters`);
    return { systemId, password };
  });
}

function recipients(raw: unknown): Map<string, SmscRecipientRule> {
  const out = new Map<string, SmscRecipientRule>();
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) fail('smsc.recipients must be a mapping from number to rule');
  for (const [number, rule] of Object.entries(raw)) {
    const path = `smsc.recipients["${number}"]`;
    if (!/^\+?[0-9]{1,20}$/.test(number))
      fail(`${path}: the key must be a phone number such as "+15550000001"`);
    if (!isRecord(rule)) fail(`${path} must be a mapping`);
    checkKeys(rule, path, ['submitStatus', 'submitLatencyMs', 'receipt', 'receiptDelayMs', 'err', 'reply']);
    const parsed: {
      submitStatus?: number;
      submitLatencyMs?: DelayRange;
      receipt?: ProfileReceipt;
      receiptDelayMs?: DelayRange;
      err?: string;
      reply?: string;
    } = {};
    const status = submitStatus(rule['submitStatus'], `${path}.submitStatus`);
    if (status !== undefined) parsed.submitStatus = status;
    const latency = delayRange(rule['submitLatencyMs'], `${path}.submitLatencyMs`);
    if (latency !== undefined) parsed.submitLatencyMs = latency;
    const receipt = rule['receipt'];
    if (receipt !== undefined) {
      if (!(PROFILE_RECEIPTS as readonly unknown[]).includes(receipt)) {
        fail(`${path}.receipt must be one of ${PROFILE_RECEIPTS.join(', ')}`);
      }
      parsed.receipt = receipt as ProfileReceipt;
    }
    const delay = delayRange(rule['receiptDelayMs'], `${path}.receiptDelayMs`);
    if (delay !== undefined) parsed.receiptDelayMs = delay;
    const err = rule['err'];
    if (err !== undefined) {
      const text = typeof err === 'number' ? String(err).padStart(3, '0') : err;
      if (typeof text !== 'string' || !/^[0-9]{3}$/.test(text))
        fail(`${path}.err must be three digits, e.g. "001"`);
      parsed.err = text;
    }
    const reply = rule['reply'];
    if (reply !== undefined) {
      if (typeof reply !== 'string' || !/^[\x20-\x7e]{1,160}$/.test(reply))
        fail(`${path}.reply must be 1 to 160 printable ASCII characters`);
      parsed.reply = reply;
    }
    out.set(number.replace(/^\+/, ''), parsed);
  }
  return out;
}

function submitStatus(raw: unknown, path: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    const status = commandStatusByName(raw);
    if (status === undefined) fail(`${path}: unknown command_status name ${raw} (SMPP 3.4 §5.1.3)`);
    return status;
  }
  return integer(raw, path, 0, 0xffffffff);
}

function fail(detail: string): never {
  throw new HeraldError('HERALD_ERR_SIMULATOR_BAD_PROFILE', { detail });
}
