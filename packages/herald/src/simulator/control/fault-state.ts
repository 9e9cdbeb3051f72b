/** Ways a simulated provider can answer badly, for testing an adapter's parser. */
export const BAD_RESPONSES = ['garbage', 'wrong_status', 'truncated'] as const;
export type BadResponse = (typeof BAD_RESPONSES)[number];

/** A copy of the faults in force, as the control API shows them. */
export interface FaultSnapshot {
  /** Whether an injected outage is in force. */
  readonly down: boolean;
  /** Epoch ms the injected outage ends; null when none or open-ended. */
  readonly outageUntil: number | null;
  readonly slowMs: number;
  readonly dropReceipts: boolean;
  readonly badResponse: BadResponse | null;
  /** How many more requests get the bad response. */
  readonly badResponsesLeft: number;
}

/**
 * Faults injected at runtime into one simulated provider (through the control API, or by a test
 * holding the handle): an outage now, extra latency, receipts dropped, malformed answers. They
 * add to the profile's behaviour and last until cleared.
 */
export class FaultState {
  #outageUntil = 0;
  #slowMs = 0;
  #dropReceipts = false;
  #badResponse: BadResponse | undefined;
  #badLeft = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes the provider down for `forMs` (default: until `restore`). */
  outage(forMs: number = Infinity): void {
    this.#outageUntil = this.#now() + forMs;
  }

  /** Ends an injected outage. */
  restore(): void {
    this.#outageUntil = 0;
  }

  /** Whether an injected outage is in force. */
  get isDown(): boolean {
    return this.#now() < this.#outageUntil;
  }

  /** Adds `ms` to every answer. */
  slow(ms: number): void {
    this.#slowMs = Math.max(0, ms);
  }

  get slowMs(): number {
    return this.#slowMs;
  }

  /** Stops (or resumes) sending receipts; dropped ones are counted, never sent. */
  dropReceipts(drop = true): void {
    this.#dropReceipts = drop;
  }

  get droppingReceipts(): boolean {
    return this.#dropReceipts;
  }

  /** Answers the next `count` requests (default: all) with a malformed response of `kind`. */
  badResponses(kind: BadResponse, count: number = Infinity): void {
    this.#badResponse = kind;
    this.#badLeft = count;
  }

  /** The bad response for this request, if one is due; counts it down. */
  takeBadResponse(): BadResponse | undefined {
    if (this.#badResponse === undefined || this.#badLeft <= 0) return undefined;
    this.#badLeft--;
    const kind = this.#badResponse;
    if (this.#badLeft <= 0) this.#badResponse = undefined;
    return kind;
  }

  /** Clears every injected fault. */
  clear(): void {
    this.#outageUntil = 0;
    this.#slowMs = 0;
    this.#dropReceipts = false;
    this.#badResponse = undefined;
    this.#badLeft = 0;
  }

  snapshot(): FaultSnapshot {
    return {
      down: this.isDown,
      outageUntil: this.isDown && Number.isFinite(this.#outageUntil) ? this.#outageUntil : null,
      slowMs: this.#slowMs,
      dropReceipts: this.#dropReceipts,
      badResponse: this.#badResponse ?? null,
      badResponsesLeft: Number.isFinite(this.#badLeft) ? this.#badLeft : -1,
    };
  }
}
