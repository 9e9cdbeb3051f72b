import { join } from 'node:path';

/** Everything the benchmark decides about one Kannel installation (bearerbox + smsbox). */
export interface KannelSetup {
  /** Where Kannel keeps its store file and logs (a temporary directory). */
  readonly dir: string;
  readonly adminPort: number;
  readonly adminPassword: string;
  /** bearerbox ↔ smsbox. */
  readonly boxPort: number;
  /** smsbox's HTTP `sendsms` interface. */
  readonly sendsmsPort: number;
  readonly sendsmsUser: { readonly username: string; readonly password: string };
  /** The SMPP 3.4 SMSC Kannel binds to as a transceiver. */
  readonly smsc: {
    readonly host: string;
    readonly port: number;
    readonly systemId: string;
    readonly password: string;
    /** Unanswered submit_sm at once (Kannel's `max-pending-submits`). */
    readonly window: number;
  };
  /** Alphanumeric sender id. */
  readonly sender: string;
}

// Kannel's configuration syntax has no escapes inside quoted values.
const SAFE = /^[A-Za-z0-9 ._:/+-]*$/;

function quoted(value: string, what: string): string {
  if (!SAFE.test(value)) throw new TypeError(`kannel config: ${what} has characters Kannel cannot quote`);
  return `"${value}"`;
}

function port(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new RangeError(`kannel config: ${what} must be a TCP port`);
  return value;
}

/**
 * The `kannel.conf` for the benchmark: one bearerbox with one SMPP transceiver link, its file
 * store (Kannel's own crash safety for queued messages), internal DLR storage, and one smsbox
 * serving `sendsms` to one user. Every listener is on 127.0.0.1 only.
 */
export function kannelConfig(s: KannelSetup): string {
  if (s.smsc.systemId.length < 1 || s.smsc.systemId.length > 15)
    throw new RangeError('kannel config: SMPP system_id must be 1 to 15 characters (SMPP 3.4 §5.2.1)');
  if (s.smsc.password.length > 8)
    throw new RangeError('kannel config: SMPP password must be at most 8 characters (SMPP 3.4 §5.2.2)');
  if (!Number.isInteger(s.smsc.window) || s.smsc.window < 1)
    throw new RangeError('kannel config: the SMPP window must be a positive integer');
  const q = quoted;
  const groups: Array<Record<string, string | number | boolean>> = [
    {
      group: 'core',
      'admin-port': port(s.adminPort, 'adminPort'),
      'admin-interface': '127.0.0.1',
      'admin-password': q(s.adminPassword, 'adminPassword'),
      'admin-allow-ip': '127.0.0.1',
      'smsbox-port': port(s.boxPort, 'boxPort'),
      'smsbox-interface': '127.0.0.1',
      'box-allow-ip': '127.0.0.1',
      'log-file': q(join(s.dir, 'bearerbox.log'), 'dir'),
      'log-level': 3, // errors only: the benchmark measures messages, not logging
      'store-type': 'file',
      'store-location': q(join(s.dir, 'kannel.store'), 'dir'),
      'dlr-storage': 'internal',
    },
    {
      group: 'smsc',
      smsc: 'smpp',
      'smsc-id': 'sim',
      host: q(s.smsc.host, 'smsc.host'),
      port: port(s.smsc.port, 'smsc.port'),
      'transceiver-mode': true,
      'smsc-username': q(s.smsc.systemId, 'smsc.systemId'),
      'smsc-password': q(s.smsc.password, 'smsc.password'),
      'system-type': '""',
      'interface-version': 34,
      'max-pending-submits': s.smsc.window,
      'enquire-link-interval': 30,
    },
    {
      group: 'smsbox',
      'bearerbox-host': '127.0.0.1',
      'bearerbox-port': port(s.boxPort, 'boxPort'),
      'sendsms-port': port(s.sendsmsPort, 'sendsmsPort'),
      'sendsms-interface': '127.0.0.1',
      'global-sender': q(s.sender, 'sender'),
      'log-file': q(join(s.dir, 'smsbox.log'), 'dir'),
      'log-level': 3,
    },
    {
      group: 'sendsms-user',
      username: q(s.sendsmsUser.username, 'sendsmsUser.username'),
      password: q(s.sendsmsUser.password, 'sendsmsUser.password'),
      'user-allow-ip': '127.0.0.1',
      'max-messages': 1,
      concatenation: false,
    },
  ];
  return (
    groups
      .map((g) =>
        Object.entries(g)
          .map(([k, v]) => `${k} = ${String(v)}`)
          .join('\n'),
      )
      .join('\n\n') + '\n'
  );
}
