import {
  ESM_CLASS_DELIVERY_RECEIPT,
  MESSAGE_STATES,
  type MessageState,
} from '../../channels/sms/smpp-wire.ts';
import type { ReceiptFormat } from '../profile.ts';
import type { PlannedReceipt } from './submit-outcome.ts';

/** What the SMSC remembers about an accepted message until its receipt is acknowledged. */
export interface ReceiptRecord {
  readonly messageId: string;
  readonly systemId: string;
  /** The submit's addresses; the receipt travels the other way. */
  readonly sourceAddr: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly destinationAddr: string;
  readonly destinationTon: number;
  readonly destinationNpi: number;
  readonly submittedAt: Date;
  readonly plan: PlannedReceipt;
  /** Set on the recipient's reply (`plan.reply`), which travels like a receipt but is not one. */
  readonly mobileOriginated?: true;
  attempts: number;
}

const STAT_TO_STATE: Readonly<Record<PlannedReceipt['stat'], MessageState>> = {
  DELIVRD: 'DELIVERED',
  UNDELIV: 'UNDELIVERABLE',
  EXPIRED: 'EXPIRED',
  REJECTD: 'REJECTED',
  DELETED: 'DELETED',
  UNKNOWN: 'UNKNOWN',
};

/** SMPP 3.4 Appendix B dates: YYMMDDhhmm (UTC here; the appendix names no zone). */
export function receiptDate(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    two(d.getUTCFullYear() % 100) +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes())
  );
}

/**
 * The Appendix B receipt text. `text:` is left empty: the simulator does not keep message
 * content around until the receipt is due.
 */
export function receiptText(record: ReceiptRecord, doneAt: Date): string {
  const delivered = record.plan.stat === 'DELIVRD' ? '001' : '000';
  return (
    `id:${record.messageId} sub:001 dlvrd:${delivered} submit date:${receiptDate(record.submittedAt)} ` +
    `done date:${receiptDate(doneAt)} stat:${record.plan.stat} err:${record.plan.err} text:`
  );
}

/** deliver_sm fields for a receipt (SMPP 3.4 §4.6.1; receipt semantics §5.2.12). */
export function receiptFields(
  record: ReceiptRecord,
  format: ReceiptFormat,
  doneAt: Date,
): Record<string, unknown> {
  if (record.mobileOriginated) {
    // SMPP 3.4 §4.6.1: esm_class message type 0 is a plain short message from the handset.
    return {
      source_addr_ton: record.destinationTon,
      source_addr_npi: record.destinationNpi,
      source_addr: record.destinationAddr,
      dest_addr_ton: record.sourceTon,
      dest_addr_npi: record.sourceNpi,
      destination_addr: record.sourceAddr,
      esm_class: 0,
      data_coding: 0,
      short_message: Buffer.from(record.plan.reply ?? '', 'latin1'),
    };
  }
  const fields: Record<string, unknown> = {
    source_addr_ton: record.destinationTon,
    source_addr_npi: record.destinationNpi,
    source_addr: record.destinationAddr,
    dest_addr_ton: record.sourceTon,
    dest_addr_npi: record.sourceNpi,
    destination_addr: record.sourceAddr,
    esm_class: ESM_CLASS_DELIVERY_RECEIPT,
    data_coding: 0,
    // A Buffer bypasses the package's alphabet detection; the text is plain ASCII.
    short_message: format === 'tlv' ? Buffer.alloc(0) : Buffer.from(receiptText(record, doneAt), 'latin1'),
  };
  if (format !== 'text') {
    // SMPP 3.4 §5.3.2.12 receipted_message_id and §5.3.2.35 message_state.
    fields['receipted_message_id'] = record.messageId;
    fields['message_state'] = MESSAGE_STATES.indexOf(STAT_TO_STATE[record.plan.stat]);
  }
  return fields;
}
