import { createHmac } from 'node:crypto';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { SILENT_LOGGER, type SmppLogger } from '../../channels/sms/smpp-adapter-options.ts';
import { behaviourFor, domainMatch, drawMs, inOutage, SimTimers } from '../control/behaviour.ts';
import { EventPoster } from '../control/event-poster.ts';
import { FaultState } from '../control/fault-state.ts';
import { listen } from '../control/http-helpers.ts';
import { selfSignedCert } from '../control/self-signed-cert.ts';
import { loadProfile, type SimulatorProfile } from '../profile.ts';
import type { SmtpReply } from '../profile-smtp.ts';
import { hashSeed, mulberry32, type Random } from '../prng.ts';
import { TokenBucket } from '../smsc/token-bucket.ts';
import { verifyDkim, type DkimResult } from './dkim-verify.ts';
import { buildDsn } from './dsn-build.ts';
import { SmtpCounters, type ReceivedMail, type SmtpStats } from './smtp-stats.ts';

/** How to start the simulated SMTP server. */
export interface StartSmtpOptions {
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  readonly profile?: SimulatorProfile;
  readonly profilePath?: string;
  /** Where DSNs are POSTed (raw message/rfc822, signed); they wait until one is set. */
  readonly dsnWebhookUrl?: string;
  readonly faults?: FaultState;
  readonly logger?: SmppLogger;
}

/** A running simulated SMTP server. */
export interface SmtpHandle {
  readonly host: string;
  readonly port: number;
  /** The STARTTLS certificate to trust (the adapter's `ca`); undefined without STARTTLS. */
  readonly ca: string | undefined;
  /** The HMAC key of `X-Herald-Sim-Signature` on DSN webhooks (the adapter's `dsnSecret`). */
  readonly dsnSecret: string;
  readonly faults: FaultState;
  stats(): SmtpStats;
  /** Every message received, oldest first, duplicates included. */
  messages(): readonly ReceivedMail[];
  /** What a mailbox shows: messages to `address`, one per Message-ID (as Gmail collapses them). */
  mailbox(address: string): readonly ReceivedMail[];
  setDsnWebhookUrl(url: string | undefined): void;
  /** Publishes a DKIM key, as a DNS TXT record at `selector._domainkey.domain` would. */
  trustDkimKey(selector: string, domain: string, publicKeyPem: string): void;
  close(): Promise<void>;
}

/**
 * Starts a real SMTP server (RFC 5321, the `smtp-server` package) with STARTTLS on a certificate
 * made at start, DSN extension (RFC 3461) and per-recipient behaviour from the profile: refusals
 * at RCPT or DATA, asynchronous bounces and success reports as DSNs posted to a webhook, random
 * failures, throttling and outages. It keeps every received message readable by tests and checks
 * DKIM signatures against keys published to it.
 */
export async function startSmtp(options: StartSmtpOptions = {}): Promise<SmtpHandle> {
  const profile = options.profile ?? loadProfile(options.profilePath);
  const smtp = profile.smtp;
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? SILENT_LOGGER;
  const faults = options.faults ?? new FaultState();
  const timers = new SimTimers();
  const counters = new SmtpCounters();
  const received: ReceivedMail[] = [];
  const dkimKeys = new Map(smtp.dkimKeys);
  const throttle =
    smtp.behaviour.throttlePerSecond > 0 ? new TokenBucket(smtp.behaviour.throttlePerSecond) : undefined;
  const poster = new EventPoster({
    timers,
    retryMs: smtp.dsnRetryMs,
    maxAttempts: smtp.dsnMaxAttempts,
    url: options.dsnWebhookUrl,
  });
  const tls = smtp.starttls
    ? selfSignedCert(host === '127.0.0.1' || host === 'localhost' ? ['localhost', '127.0.0.1'] : [host])
    : undefined;
  const startedAt = Date.now();
  const down = (): boolean => faults.isDown || inOutage(smtp.behaviour.outages, Date.now() - startedAt);

  const server: SMTPServer = new SMTPServer({
    name: smtp.hostname,
    banner: 'Herald carrier simulator',
    authOptional: true,
    hideDSN: false,
    hideSTARTTLS: tls === undefined,
    // Without STARTTLS, refuse the command (smtp-server would otherwise upgrade with its own key).
    ...(tls === undefined ? { disabledCommands: ['STARTTLS'] } : {}),
    ...(tls === undefined ? {} : { key: tls.key, cert: tls.cert }),
    size: smtp.maxMessageBytes,
    logger: false,
    onConnect(_session, callback) {
      counters.connections++;
      if (down())
        return callback(
          smtpFail({ code: 421, enhanced: '4.3.2', text: 'Service not available, closing channel' }),
        );
      callback();
    },
    onMailFrom(_address, session, callback) {
      void timers.sleep(faults.slowMs).then(() => {
        // RFC 3207 §4: a server may require STARTTLS before accepting mail.
        if (smtp.requireTls && !session.secure) {
          return callback(
            smtpFail({ code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' }),
          );
        }
        if (throttle !== undefined && !throttle.take()) {
          counters.throttled++;
          return callback(smtpFail({ code: 421, enhanced: '4.7.0', text: 'Too many messages, slow down' }));
        }
        callback();
      });
    },
    onRcptTo(address, _session, callback) {
      const reply = smtp.recipients.get(address.address.toLowerCase())?.rcpt;
      if (reply === undefined) return callback();
      counters.refusedRecipients++;
      callback(smtpFail(reply));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void accept(session, raw).then(
          (reply) => (reply === 'drop' ? dropConnection(session) : callback(reply)),
          () => callback(smtpFail({ code: 451, enhanced: '4.3.0', text: 'Local error in processing' })),
        );
      });
    },
  });

  async function accept(session: SMTPServerSession, raw: string): Promise<Error | undefined | 'drop'> {
    const rcpts = session.envelope.rcptTo;
    const messageId = /^message-id:\s*(<[^>\r\n]+>)/im.exec(raw.split('\r\n\r\n', 1)[0] ?? '')?.[1];
    const random = mulberry32(hashSeed(profile.seed, 'smtp', messageId ?? session.id, counters.messages));
    const first = rcpts[0]?.address ?? '';
    const b = behaviourFor(smtp.behaviour, smtp.regions, domainMatch(first));
    await timers.sleep(drawMs(random, b.latencyMs));
    const rule = smtp.recipients.get(first.toLowerCase())?.data;
    if (rule !== undefined) {
      counters.refusedMessages++;
      return smtpFail(rule);
    }
    if (random() < b.failureRate) {
      counters.failed++;
      return smtpFail({ code: 451, enhanced: '4.3.0', text: 'Temporary local problem, try again' });
    }
    const dkim: DkimResult = verifyDkim(raw, dkimKeys);
    if (dkim.result === 'pass') counters.dkimPass++;
    else if (dkim.result === 'fail') counters.dkimFail++;
    const mail: ReceivedMail = {
      envelope: {
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
        to: rcpts.map((r) => r.address),
        ...(session.envelope.dsn?.envid ? { envid: session.envelope.dsn.envid } : {}),
      },
      raw,
      messageId,
      secure: session.secure,
      dkim,
      at: new Date(),
    };
    if (messageId !== undefined && received.some((m) => m.messageId === messageId)) counters.duplicates++;
    received.push(mail);
    counters.messages++;
    for (const rcpt of rcpts) scheduleDsn(mail, rcpt, random);
    // Malformed answers come after acceptance: the message is in, the client cannot tell.
    switch (faults.takeBadResponse()) {
      case undefined:
        return undefined;
      case 'garbage':
        counters.badResponses++;
        return smtpFail({ code: 999, text: '\u00bf\u00bf\u00bf' });
      case 'wrong_status':
        counters.badResponses++;
        return smtpFail({ code: 354, text: 'Start mail input' });
      case 'truncated':
        counters.badResponses++;
        return 'drop';
    }
  }

  function scheduleDsn(mail: ReceivedMail, rcpt: SMTPServerAddress, random: Random): void {
    const address = rcpt.address.toLowerCase();
    const rule = smtp.recipients.get(address);
    const b = behaviourFor(smtp.behaviour, smtp.regions, domainMatch(address));
    const action = rule?.dsn ?? (random() < b.undeliveredRate ? 'failed' : 'delivered');
    // RFC 3461 §4.1: NOTIFY=NEVER asks for nothing; without NOTIFY, failures are reported.
    const notify = (rcpt.dsn?.notify ?? ['FAILURE']).map((n) => n.toUpperCase());
    const wanted = action === 'delivered' ? 'SUCCESS' : action === 'failed' ? 'FAILURE' : 'DELAY';
    if (action === 'none' || !notify.includes(wanted) || mail.envelope.from === '') return;
    const status =
      rule?.dsnStatus ?? (action === 'delivered' ? '2.0.0' : action === 'failed' ? '5.1.1' : '4.4.7');
    const delay = drawMs(random, rule?.dsnDelayMs ?? b.deliveryDelayMs);
    timers.after(delay, () => {
      if (faults.droppingReceipts) {
        counters.dsnDropped++;
        return;
      }
      const headerEnd = mail.raw.indexOf('\r\n\r\n');
      const dsn = buildDsn({
        reportingMta: smtp.hostname,
        to: mail.envelope.from,
        envelopeId: mail.envelope.envid,
        recipient: rcpt.address,
        action,
        status,
        ...(action === 'failed' ? { diagnostic: `550 ${status} The email account does not exist` } : {}),
        originalHeaders: headerEnd === -1 ? mail.raw : mail.raw.slice(0, headerEnd),
      });
      counters.dsnSent++;
      poster.post({
        body: dsn,
        headers: {
          'content-type': 'message/rfc822',
          'x-herald-sim-signature': `sha256=${createHmac('sha256', smtp.dsnSecret).update(dsn).digest('hex')}`,
        },
      });
    });
  }

  function dropConnection(session: SMTPServerSession): void {
    for (const connection of server.connections) {
      if ((connection as unknown as { id: string }).id === session.id) connection.close();
    }
  }

  server.on('error', (err) =>
    log.warn({ error: (err as { code?: string }).code ?? 'error' }, 'smtp: connection error'),
  );
  const port = await listen(server.server, host, options.port ?? 0);
  log.info({ host, port }, 'smtp: listening');
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    ca: tls?.cert,
    dsnSecret: smtp.dsnSecret,
    faults,
    stats: () => counters.snapshot(poster.stats()),
    messages: () => [...received],
    mailbox: (address) => {
      const seen = new Set<string>();
      return received.filter((m) => {
        if (!m.envelope.to.some((t) => t.toLowerCase() === address.toLowerCase())) return false;
        if (m.messageId === undefined) return true;
        if (seen.has(m.messageId)) return false;
        seen.add(m.messageId);
        return true;
      });
    },
    setDsnWebhookUrl: (url) => poster.setUrl(url),
    trustDkimKey: (selector, domain, pem) =>
      void dkimKeys.set(`${selector}._domainkey.${domain}`.toLowerCase(), pem),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        timers.clear();
        poster.close();
        for (const connection of server.connections) connection.close();
        server.close(() => resolve());
      })),
  };
}

/** An error smtp-server turns into the reply line `code enhanced text`. */
function smtpFail(reply: SmtpReply): Error {
  const err = new Error(
    reply.enhanced === undefined ? reply.text : `${reply.enhanced} ${reply.text}`,
  ) as Error & { responseCode: number };
  err.responseCode = reply.code;
  return err;
}
