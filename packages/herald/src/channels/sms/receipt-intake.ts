import type { InboundSink, ReceiptSink } from '../channel-adapter.ts';
import { HeraldError } from '../../errors/index.ts';
import type { SmppLogger } from './smpp-adapter-options.ts';
import { inboundFromDeliverSm } from './mobile-originated.ts';
import { receiptFromDeliverSm } from './smpp-receipt.ts';
import { COMMAND_STATUS } from './smpp-status.ts';
import { ESM_CLASS_DELIVERY_RECEIPT, ESM_CLASS_TYPE_MASK, type SmppPdu } from './smpp-wire.ts';

/**
 * Takes deliver_sm PDUs from the SMSC, hands delivery receipts and replies (mobile-originated
 * messages) to their sinks and answers each PDU
 * with the command_status that tells the SMSC whether to redeliver. Logs metadata only: a
 * deliver_sm may carry a message body (mobile-originated) or its first characters (receipt text).
 */
export class ReceiptIntake {
  readonly #sink: ReceiptSink;
  readonly #inbound: InboundSink | undefined;
  readonly #log: SmppLogger;
  readonly #onSettled: () => void;
  #pending = 0;

  /** `onSettled` runs whenever a receipt handed to the sink has been answered. */
  constructor(sink: ReceiptSink, log: SmppLogger, onSettled: () => void, inbound?: InboundSink) {
    this.#sink = sink;
    this.#inbound = inbound;
    this.#log = log;
    this.#onSettled = onSettled;
  }

  /** Receipts with the sink, not yet answered. */
  get pending(): number {
    return this.#pending;
  }

  /** Handles one deliver_sm; `respond` writes the deliver_sm_resp with a command_status. */
  handle(pdu: SmppPdu, respond: (status: number) => void): void {
    // SMPP 3.4 §5.2.12: only esm_class message type "SMSC Delivery Receipt" is a receipt.
    const esm = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
    if ((esm & ESM_CLASS_TYPE_MASK) !== ESM_CLASS_DELIVERY_RECEIPT) {
      const mo = inboundFromDeliverSm(pdu);
      if (mo.kind === 'malformed' || this.#inbound === undefined) {
        // Redelivery would not help: acknowledge so the SMSC does not repeat it forever.
        const problem = mo.kind === 'malformed' ? mo.problem : 'no inbound sink';
        this.#log.warn(
          { channel: 'sms', esmClass: esm, problem },
          'smpp: mobile-originated deliver_sm not used',
        );
        respond(COMMAND_STATUS.ESME_ROK);
        return;
      }
      const sink = this.#inbound;
      this.#pending++;
      void this.#handOver(() => sink(mo.event), respond, {});
      return;
    }
    const parsed = receiptFromDeliverSm(pdu);
    if (parsed.kind !== 'receipt') {
      // A receipt we cannot use will not improve on redelivery: acknowledge it and move on.
      const meta =
        parsed.kind === 'malformed' ? { problem: parsed.problem } : { providerStatus: parsed.providerStatus };
      this.#log.warn({ channel: 'sms', kind: parsed.kind, ...meta }, 'smpp: deliver_sm receipt not used');
      respond(COMMAND_STATUS.ESME_ROK);
      return;
    }
    const receipt = parsed.receipt;
    this.#pending++;
    void this.#handOver(() => this.#sink(receipt), respond, { providerMessageId: receipt.providerMessageId });
  }

  // Acknowledge only once the sink has made the receipt or reply durable; ESME_RX_T_APPN (SMPP
  // 3.4 §5.1.3, "ESME receiver temporary app error") asks the SMSC to redeliver later.
  async #handOver(
    work: () => Promise<void>,
    respond: (status: number) => void,
    meta: { providerMessageId?: string },
  ): Promise<void> {
    try {
      await work();
      respond(COMMAND_STATUS.ESME_ROK);
    } catch (err) {
      const code = err instanceof HeraldError ? err.code : err instanceof Error ? err.name : typeof err;
      this.#log.warn({ channel: 'sms', ...meta, error: code }, 'smpp: sink failed; asking for redelivery');
      respond(COMMAND_STATUS.ESME_RX_T_APPN);
    } finally {
      this.#pending--;
      this.#onSettled();
    }
  }
}
