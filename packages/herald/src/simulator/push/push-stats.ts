/** What the simulated push providers have seen since start. */
export interface PushStats {
  readonly requests: number;
  /** Notifications accepted, per provider. */
  readonly apnsAccepted: number;
  readonly fcmAccepted: number;
  /** Accepted notifications that repeated an earlier one for the same device and collapse id. */
  readonly collapsed: number;
  readonly unregistered: number;
  readonly badToken: number;
  readonly throttled: number;
  /** Answered 500/503 (random failures, rules, outages). */
  readonly failed: number;
  /** Refused for authentication, topic or payload problems. */
  readonly refused: number;
  readonly badResponses: number;
}

/** The mutable counters behind `PushStats`. */
export class PushCounters {
  requests = 0;
  apnsAccepted = 0;
  fcmAccepted = 0;
  collapsed = 0;
  unregistered = 0;
  badToken = 0;
  throttled = 0;
  failed = 0;
  refused = 0;
  badResponses = 0;

  snapshot(): PushStats {
    return { ...this };
  }
}

/** One notification as the simulated provider received it (what the device would get). */
export interface ReceivedPush {
  readonly provider: 'apns' | 'fcm';
  readonly token: string;
  /** Request headers (without the authorization token). */
  readonly headers: Readonly<Record<string, string>>;
  /** The payload exactly as sent. */
  readonly payload: string;
  /** apns-collapse-id, or the FCM collapse key. */
  readonly collapseId: string | undefined;
  readonly at: Date;
}
