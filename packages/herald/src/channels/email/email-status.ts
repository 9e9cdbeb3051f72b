import { HeraldError } from '../../errors/index.ts';

// node's TLS verification codes (OpenSSL X509_V_ERR_* names, ERR_TLS_*, ERR_SSL_*).
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_|ERR_SSL_|EPROTO/;

/** The parts of a nodemailer error the mapping reads. */
export interface SmtpFailure {
  readonly code?: string | undefined;
  /** The socket's own error code, kept by nodemailer (e.g. a TLS certificate failure). */
  readonly originalCode?: string | undefined;
  readonly responseCode?: number | undefined;
  readonly response?: string | undefined;
  readonly command?: string | undefined;
}

/**
 * Maps an SMTP failure to the error `send` throws. The reply code decides (RFC 5321 §4.2.1):
 * 5yz is permanent (`rejected`; 535 is a credentials problem, RFC 4954), 4yz transient
 * (`unavailable`; X.7.0 "try again later" with 421/450/451 is rate limiting, `throttled`).
 * Without a reply: a TLS failure is HERALD_ERR_CHANNEL_TLS_REQUIRED (nothing went out in clear),
 * a timeout is `timeout`, a lost connection `unavailable`. Any other code is a reply Herald
 * cannot read.
 */
export function smtpError(err: SmtpFailure, timeoutMs = 0): HeraldError {
  const code = err.responseCode;
  const enhanced = /\b([245]\.[0-9]{1,3}\.[0-9]{1,3})\b/.exec(err.response ?? '')?.[1];
  const details = {
    ...(code === undefined ? {} : { smtpCode: code }),
    ...(enhanced === undefined ? {} : { enhancedStatus: enhanced }),
    ...(err.command === undefined ? {} : { command: err.command.split(' ', 1)[0] }),
    ...(err.code === undefined ? {} : { errorCode: err.code }),
    ...(err.originalCode === undefined ? {} : { socketErrorCode: err.originalCode }),
  };
  const detail = `${code ?? err.code ?? 'error'}${enhanced === undefined ? '' : ` ${enhanced}`}`;
  // STARTTLS refused or failed, or the certificate did not verify: nothing was sent in clear.
  if (err.code === 'ETLS' || (err.code === 'ESOCKET' && TLS_FAILURE.test(err.originalCode ?? ''))) {
    return new HeraldError(
      'HERALD_ERR_CHANNEL_TLS_REQUIRED',
      { channel: 'email', detail: err.originalCode ?? detail },
      { details },
    );
  }
  if (code !== undefined) {
    if (code === 535 || code === 534 || code === 530) {
      return code === 530 && enhanced === '5.7.0' && /STARTTLS/i.test(err.response ?? '')
        ? new HeraldError('HERALD_ERR_CHANNEL_TLS_REQUIRED', { channel: 'email', detail }, { details })
        : new HeraldError('HERALD_ERR_CHANNEL_AUTH_FAILED', { channel: 'email', detail }, { details });
    }
    if (code >= 500 && code < 600)
      return new HeraldError('HERALD_ERR_CHANNEL_REJECTED', { channel: 'email', detail }, { details });
    if (code >= 400 && code < 500) {
      return enhanced === '4.7.0' && (code === 421 || code === 450 || code === 451)
        ? new HeraldError('HERALD_ERR_CHANNEL_THROTTLED', { channel: 'email' }, { details })
        : new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'email', detail }, { details });
    }
    return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'email' }, { details });
  }
  switch (err.code) {
    case 'ETIMEDOUT':
      return new HeraldError('HERALD_ERR_CHANNEL_TIMEOUT', { channel: 'email', ms: timeoutMs }, { details });
    case 'EAUTH':
      return new HeraldError('HERALD_ERR_CHANNEL_AUTH_FAILED', { channel: 'email', detail }, { details });
    case 'EPROTOCOL':
      return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'email' }, { details });
    default:
      return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'email', detail }, { details });
  }
}
