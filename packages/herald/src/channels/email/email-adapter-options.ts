import type { ReceiptSink } from '../channel-adapter.ts';
import type { ChannelLogger } from '../rcs/rbm-adapter-options.ts';

/** How the SMTP connection is protected. */
export const EMAIL_TLS_MODES = ['required', 'implicit', 'none'] as const;
/**
 * `required` (default): STARTTLS (RFC 3207) must succeed before MAIL FROM, or nothing is sent;
 * `implicit`: TLS from the first byte (RFC 8314, port 465); `none`: plaintext SMTP, only when a
 * profile says so (a relay on the same host).
 */
export type EmailTlsMode = (typeof EMAIL_TLS_MODES)[number];

/** DKIM signing (RFC 6376) with the organisation's key. */
export interface DkimOptions {
  /** The `d=` domain. */
  readonly domainName: string;
  /** The `s=` selector: the key is published at `<selector>._domainkey.<domain>`. */
  readonly keySelector: string;
  /** PEM private key (RSA, or Ed25519 per RFC 8463). */
  readonly privateKey: string;
}

/** How to reach and use one SMTP submission server. */
export interface EmailAdapterOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: EmailTlsMode;
  /** Extra trusted CA (PEM), e.g. the simulator's self-signed certificate. */
  readonly ca?: string;
  /** The name the server's certificate must carry; default `host`. */
  readonly servername?: string;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** The From address; also the envelope sender that receives bounces. */
  readonly from: string;
  /** The Subject of every message (content-free: the body carries the message). */
  readonly subject?: string;
  /** The right-hand side of Message-IDs; default the From domain. */
  readonly messageIdDomain?: string;
  readonly dkim?: DkimOptions;
  /** Where DSN-derived receipts go. */
  readonly onReceipt: ReceiptSink;
  /** HMAC-SHA256 key of `X-Herald-Sim-Signature` on the DSN webhook; absent: webhook refused. */
  readonly dsnSecret?: string;
  /** Connect + greeting + each command. Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly logger?: ChannelLogger;
}

/** The adapter's defaults. */
export const EMAIL_ADAPTER_DEFAULTS = { tls: 'required', subject: 'New message', timeoutMs: 10_000 } as const;
