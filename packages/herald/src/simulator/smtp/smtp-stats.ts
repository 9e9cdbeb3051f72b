import type { PosterStats } from '../control/event-poster.ts';
import type { DkimResult } from './dkim-verify.ts';

/** One message the simulated SMTP server accepted. */
export interface ReceivedMail {
  readonly envelope: { readonly from: string; readonly to: readonly string[]; readonly envid?: string };
  /** The message as received (RFC 5322, CRLF line ends, dot-stuffing undone). */
  readonly raw: string;
  readonly messageId: string | undefined;
  /** Whether the session was under TLS (STARTTLS) when the message came. */
  readonly secure: boolean;
  readonly dkim: DkimResult;
  readonly at: Date;
}

/** What the simulated SMTP server has seen since start. */
export interface SmtpStats {
  readonly connections: number;
  /** Messages accepted (250 after DATA), duplicates included. */
  readonly messages: number;
  /** Accepted messages whose Message-ID had been accepted before. */
  readonly duplicates: number;
  readonly refusedRecipients: number;
  readonly refusedMessages: number;
  readonly throttled: number;
  /** Messages answered 451 at random. */
  readonly failed: number;
  readonly badResponses: number;
  readonly dkimPass: number;
  readonly dkimFail: number;
  readonly dsnSent: number;
  /** DSNs not sent because the control API said to drop receipts. */
  readonly dsnDropped: number;
  readonly webhook: PosterStats;
}

/** The mutable counters behind `SmtpStats`. */
export class SmtpCounters {
  connections = 0;
  messages = 0;
  duplicates = 0;
  refusedRecipients = 0;
  refusedMessages = 0;
  throttled = 0;
  failed = 0;
  badResponses = 0;
  dkimPass = 0;
  dkimFail = 0;
  dsnSent = 0;
  dsnDropped = 0;

  snapshot(webhook: PosterStats): SmtpStats {
    return { ...this, webhook };
  }
}
