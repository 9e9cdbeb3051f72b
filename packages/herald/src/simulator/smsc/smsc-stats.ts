/** A snapshot of what the simulated SMSC has seen since it started. */
export interface SmscStats {
  /** Successful binds. */
  readonly binds: number;
  /** Connections open now. */
  readonly sessions: number;
  /** submit_sm PDUs received from bound transmitters. */
  readonly submitted: number;
  /** submit_sm answered ESME_ROK. */
  readonly accepted: number;
  /** submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL. */
  readonly throttled: number;
  /** submit_sm answered with any other error. */
  readonly refused: number;
  /**
   * Accepted submits whose Herald message id (TLV 0x1400) had already been accepted: the
   * handset would have received the message twice.
   */
  readonly duplicates: number;
  /** Submits whose Herald message id had been submitted before, whatever the outcome. */
  readonly resubmits: number;
  /** Submits received but not yet answered, now and at most. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** deliver_sm receipts written, counting redeliveries. */
  readonly receiptsSent: number;
  /** Receipts the ESME acknowledged with ESME_ROK. */
  readonly receiptsAcked: number;
  /** Receipts sent again after an error answer or a lost connection. */
  readonly receiptsRetried: number;
  /** Receipts given up after the last attempt. */
  readonly receiptsDropped: number;
  /** Receipts scheduled, waiting for a receiver to bind, or awaiting their response. */
  readonly receiptsPending: number;
  /** Submits per destination ("+" and digits for international numbers). */
  readonly byRecipient: Readonly<Record<string, number>>;
}

/** The mutable counters behind `SmscStats`. */
export class SmscCounters {
  binds = 0;
  sessions = 0;
  submitted = 0;
  accepted = 0;
  throttled = 0;
  refused = 0;
  duplicates = 0;
  resubmits = 0;
  inFlight = 0;
  maxInFlight = 0;
  receiptsSent = 0;
  receiptsAcked = 0;
  receiptsRetried = 0;
  receiptsDropped = 0;
  readonly byRecipient = new Map<string, number>();

  /** Counts one submit for `recipient`. */
  countRecipient(recipient: string): void {
    this.byRecipient.set(recipient, (this.byRecipient.get(recipient) ?? 0) + 1);
  }

  /** A copy that later traffic does not change. */
  snapshot(receiptsPending: number): SmscStats {
    return {
      binds: this.binds,
      sessions: this.sessions,
      submitted: this.submitted,
      accepted: this.accepted,
      throttled: this.throttled,
      refused: this.refused,
      duplicates: this.duplicates,
      resubmits: this.resubmits,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      receiptsSent: this.receiptsSent,
      receiptsAcked: this.receiptsAcked,
      receiptsRetried: this.receiptsRetried,
      receiptsDropped: this.receiptsDropped,
      receiptsPending,
      byRecipient: Object.fromEntries(this.byRecipient),
    };
  }
}
