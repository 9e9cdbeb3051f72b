import type { SmscProfile } from '../profile.ts';
import { receiptFields, type ReceiptRecord } from './receipt-pdu.ts';
import type { SmscCounters } from './smsc-stats.ts';

/** A bound connection that can take deliver_sm (a receiver or transceiver). */
export interface ReceiptTarget {
  readonly systemId: string;
  /** Writes a deliver_sm; false when the connection cannot take it (no callback then). */
  deliver(fields: Record<string, unknown>, onResponse: (status: number) => void): boolean;
}

/**
 * Store-and-forward for delivery receipts (and the replies of sandbox numbers that answer, which
 * travel the same way and count as receipts in the stats), as an SMSC does it: a receipt goes to any bound
 * receiver of the account that submitted the message, waits when none is bound, and is sent
 * again after `receiptRetryMs` when the ESME answers with an error or the connection drops
 * before it answers, up to `receiptMaxAttempts` attempts.
 */
export class ReceiptDispatcher {
  readonly #profile: SmscProfile;
  readonly #counters: SmscCounters;
  readonly #receivers = new Map<string, ReceiptTarget[]>();
  readonly #parked = new Map<string, ReceiptRecord[]>();
  readonly #inFlight = new Map<ReceiptTarget, Set<ReceiptRecord>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #parkedCount = 0;
  #inFlightCount = 0;
  #next = 0;
  #closed = false;

  constructor(profile: SmscProfile, counters: SmscCounters) {
    this.#profile = profile;
    this.#counters = counters;
  }

  /** Receipts not yet acknowledged or given up. */
  get pending(): number {
    return this.#timers.size + this.#parkedCount + this.#inFlightCount;
  }

  /** Sends the receipt after `delayMs`. */
  schedule(record: ReceiptRecord, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#deliver(record);
    }, delayMs);
    this.#timers.add(timer);
  }

  /** A receiver or transceiver bound: it takes receipts from now on, parked ones first. */
  addReceiver(target: ReceiptTarget): void {
    const list = this.#receivers.get(target.systemId) ?? [];
    list.push(target);
    this.#receivers.set(target.systemId, list);
    this.#inFlight.set(target, new Set());
    const parked = this.#parked.get(target.systemId);
    if (parked === undefined) return;
    this.#parked.delete(target.systemId);
    this.#parkedCount -= parked.length;
    for (const record of parked) this.#deliver(record);
  }

  /** The connection went away: receipts it had not acknowledged are sent again later. */
  removeReceiver(target: ReceiptTarget): void {
    const list = this.#receivers.get(target.systemId);
    if (list !== undefined) {
      const rest = list.filter((t) => t !== target);
      if (rest.length === 0) this.#receivers.delete(target.systemId);
      else this.#receivers.set(target.systemId, rest);
    }
    const unanswered = this.#inFlight.get(target);
    this.#inFlight.delete(target);
    if (unanswered === undefined) return;
    this.#inFlightCount -= unanswered.size;
    for (const record of unanswered) this.#retry(record);
  }

  /** Drops every timer; nothing is sent after this. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #deliver(record: ReceiptRecord): void {
    if (this.#closed) return;
    const targets = this.#receivers.get(record.systemId);
    if (targets === undefined || targets.length === 0) {
      const parked = this.#parked.get(record.systemId) ?? [];
      parked.push(record);
      this.#parked.set(record.systemId, parked);
      this.#parkedCount++;
      return;
    }
    const target = targets[this.#next++ % targets.length]!;
    const inFlight = this.#inFlight.get(target)!;
    record.attempts++;
    this.#counters.receiptsSent++;
    if (record.attempts > 1) this.#counters.receiptsRetried++;
    inFlight.add(record);
    this.#inFlightCount++;
    const sent = target.deliver(receiptFields(record, this.#profile.receiptFormat, new Date()), (status) => {
      if (!inFlight.delete(record)) return; // already requeued when the connection dropped
      this.#inFlightCount--;
      if (status !== 0) return this.#retry(record);
      this.#counters.receiptsAcked++;
      // The handset answers once the delivery is known, as a person reading it would.
      if (record.plan.reply !== undefined && !record.mobileOriginated)
        this.schedule({ ...record, mobileOriginated: true, attempts: 0 }, 50);
    });
    if (!sent && inFlight.delete(record)) {
      // Never written (the connection is going away): undo the counts and try again later.
      this.#inFlightCount--;
      this.#counters.receiptsSent--;
      if (record.attempts-- > 1) this.#counters.receiptsRetried--;
      this.schedule(record, this.#profile.receiptRetryMs);
    }
  }

  #retry(record: ReceiptRecord): void {
    if (record.attempts >= this.#profile.receiptMaxAttempts) {
      this.#counters.receiptsDropped++;
      return;
    }
    this.schedule(record, this.#profile.receiptRetryMs);
  }
}
