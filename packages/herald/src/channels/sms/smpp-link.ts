import { COMMAND_STATUS, describeCommandStatus } from './smpp-status.ts';
import {
  INTERFACE_VERSION_34,
  makePdu,
  type SmppConnector,
  type SmppPdu,
  type SmppSession,
} from './smpp-wire.ts';

/** What one link needs to know; the adapter fills it from its options. */
export interface SmppLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  /** Covers TCP connect plus bind_transceiver_resp. */
  readonly bindTimeoutMs: number;
  readonly enquireLinkMs: number;
  readonly enquireLinkTimeoutMs: number;
  readonly connect: SmppConnector;
}

/** Callbacks from a link to its owner. `onClosed` is called exactly once, last. */
export interface SmppLinkEvents {
  onBound(): void;
  /** bind_transceiver_resp carried a non-zero command_status. */
  onBindRefused(status: number): void;
  onDeliverSm(pdu: SmppPdu): void;
  onClosed(reason: string): void;
}

type LinkState = 'binding' | 'bound' | 'unbinding' | 'closed';

/**
 * One TCP connection to the SMSC bound as a transceiver (SMPP 3.4 §4.1.5), from connect to
 * close. It binds, keeps the link alive with enquire_link, answers what the SMSC asks, and
 * reports what it cannot handle itself. It never reconnects: the adapter opens a new link.
 */
export class SmppLink {
  readonly #session: SmppSession;
  readonly #options: SmppLinkOptions;
  readonly #events: SmppLinkEvents;
  #state: LinkState = 'binding';
  #bindTimer: NodeJS.Timeout | undefined;
  #enquireTimer: NodeJS.Timeout | undefined;
  #enquireDeadline: NodeJS.Timeout | undefined;
  #closeReason: string | undefined;
  readonly #closed: Promise<void>;
  #resolveClosed: () => void = () => {};

  constructor(options: SmppLinkOptions, events: SmppLinkEvents) {
    this.#options = options;
    this.#events = events;
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#session = options.connect({ host: options.host, port: options.port });
    this.#bindTimer = setTimeout(() => this.destroy('bind timeout'), options.bindTimeoutMs);
    this.#session.on('connect', () => this.#bind());
    this.#session.on('pdu', (pdu: SmppPdu) => this.#onPdu(pdu));
    // Without an 'error' listener the emitter would throw; 'close' always follows an error.
    this.#session.on('error', (err: Error & { code?: string }) => {
      this.#closeReason ??= err.code ?? 'socket error';
    });
    this.#session.on('close', () => this.#onClose());
  }

  /** Whether submit_sm may be sent now. */
  get isBound(): boolean {
    return this.#state === 'bound';
  }

  /** Resolves once the socket has closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Sends a request PDU; `onResponse` gets the matching response (or generic_nack). Returns
   * false when the socket cannot take it, in which case `onResponse` is never called.
   */
  request(pdu: SmppPdu, onResponse: (response: SmppPdu) => void): boolean {
    if (this.#state === 'closed') return false;
    return this.#session.send(pdu, onResponse);
  }

  /** Answers a request from the SMSC with the given command_status. */
  respond(request: SmppPdu, status: number): void {
    if (this.#state === 'closed') return;
    this.#session.send(request.response(status === 0 ? {} : { command_status: status }));
  }

  /**
   * SMPP 3.4 §4.2: unbind, wait for unbind_resp (or the timeout), then close the socket.
   * Resolves once the socket is closed.
   */
  async unbind(timeoutMs: number): Promise<void> {
    if (this.#state === 'closed') return this.#closed;
    if (this.#state === 'bound') {
      this.#state = 'unbinding';
      this.#stopTimers();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        // The peer may drop the connection instead of answering: stop waiting then too.
        void this.#closed.then(done);
        if (!this.#session.send(makePdu('unbind'), done)) done();
      });
    }
    this.#closeReason ??= 'unbound';
    this.#session.close();
    const timer = setTimeout(() => this.#session.destroy(), timeoutMs);
    await this.#closed;
    clearTimeout(timer);
  }

  /** Drops the connection at once. Resolves once the socket is closed. */
  destroy(reason: string): Promise<void> {
    if (this.#state !== 'closed') {
      this.#closeReason ??= reason;
      this.#session.destroy();
    }
    return this.#closed;
  }

  #bind(): void {
    const pdu = makePdu('bind_transceiver', {
      system_id: this.#options.systemId,
      password: this.#options.password,
      system_type: this.#options.systemType,
      interface_version: INTERFACE_VERSION_34,
    });
    const sent = this.#session.send(pdu, (resp) => {
      clearTimeout(this.#bindTimer);
      if (this.#state !== 'binding') return;
      if (resp.command_status !== COMMAND_STATUS.ESME_ROK) {
        this.#events.onBindRefused(resp.command_status);
        void this.destroy(`bind refused: ${describeCommandStatus(resp.command_status)}`);
        return;
      }
      this.#state = 'bound';
      this.#enquireTimer = setInterval(() => this.#enquireLink(), this.#options.enquireLinkMs);
      this.#events.onBound();
    });
    if (!sent) void this.destroy('socket not writable');
  }

  // SMPP 3.4 §4.11 and §7.2 (enquire_link_timer): probe an idle-looking link; a peer that does
  // not answer within the response timer is treated as gone, so sends fail fast and we reconnect.
  #enquireLink(): void {
    if (this.#state !== 'bound' || this.#enquireDeadline !== undefined) return;
    this.#enquireDeadline = setTimeout(
      () => void this.destroy('enquire_link timeout'),
      this.#options.enquireLinkTimeoutMs,
    );
    const sent = this.#session.send(makePdu('enquire_link'), () => {
      clearTimeout(this.#enquireDeadline);
      this.#enquireDeadline = undefined;
    });
    if (!sent) void this.destroy('socket not writable');
  }

  #onPdu(pdu: SmppPdu): void {
    if (pdu.isResponse()) return; // responses reach their callbacks inside the package
    switch (pdu.command) {
      case 'deliver_sm':
        this.#events.onDeliverSm(pdu);
        return;
      case 'enquire_link':
        this.respond(pdu, COMMAND_STATUS.ESME_ROK);
        return;
      case 'unbind':
        // SMPP 3.4 §4.2: the SMSC may unbind too; answer, then close. The owner reconnects.
        this.respond(pdu, COMMAND_STATUS.ESME_ROK);
        this.#state = 'unbinding';
        this.#closeReason ??= 'unbound by SMSC';
        this.#session.close();
        return;
      case 'alert_notification':
      case 'outbind':
        return; // SMPP 3.4 §4.12: alert_notification has no response; outbind is for receivers
      default:
        // SMPP 3.4 §4.3: generic_nack for a command we do not support.
        this.#session.send(
          makePdu('generic_nack', {
            sequence_number: pdu.sequence_number,
            command_status: COMMAND_STATUS.ESME_RINVCMDID,
          }),
        );
    }
  }

  #stopTimers(): void {
    clearTimeout(this.#bindTimer);
    clearInterval(this.#enquireTimer);
    clearTimeout(this.#enquireDeadline);
    this.#enquireDeadline = undefined;
  }

  #onClose(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#stopTimers();
    this.#resolveClosed();
    this.#events.onClosed(this.#closeReason ?? 'connection closed by peer');
  }
}
