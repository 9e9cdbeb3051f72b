import { HeraldError, isHeraldError } from '../../errors/index.ts';
import { userIdOf } from '../../messages/recipient.ts';
import type { UserDelivery } from '../../secure/delivery-service.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from '../channel-adapter.ts';
import type { ChannelLogger } from '../rcs/rbm-adapter-options.ts';
import { SILENT_LOGGER } from '../sms/smpp-adapter-options.ts';

/** The part of the Delivery Service the adapter hands messages to. */
export interface SecureDelivery {
  deliverToUser(d: UserDelivery): Promise<{ queued: boolean }>;
}

export interface SecureAdapterOptions {
  readonly delivery: SecureDelivery;
  readonly logger?: ChannelLogger;
}

/** Herald user ids as recipients write them (`messages/recipient.ts`). */

/**
 * The `secure` channel (tier `e2ee`): hands a message's MLS ciphertext, encrypted by the sender's
 * SDK, to the Delivery Service as an application message of its group. The gateway cannot
 * encrypt, so a message without MLS content (plaintext, or a notice) is `unsupported` here and
 * the policy's fallback applies; so is a group that holds no active device of the recipient.
 * Delivery receipts come from the recipient's devices acknowledging the item (the Delivery
 * Service reports them), and the message id is the provider id: a resend is queued once.
 */
export class SecureAdapter implements ChannelAdapter {
  readonly channel = 'secure' as const;
  readonly tier = 'e2ee' as const;
  readonly #delivery: SecureDelivery;
  readonly #log: ChannelLogger;
  #state: 'idle' | 'ready' | 'closed' = 'idle';

  constructor(options: SecureAdapterOptions) {
    this.#delivery = options.delivery;
    this.#log = options.logger ?? SILENT_LOGGER;
  }

  /** The Delivery Service is the database: ready at once. */
  start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (opts.signal?.aborted) return Promise.reject(aborted(opts.signal));
    if (this.#state === 'closed') return Promise.reject(unavailable('the adapter is closed'));
    this.#state = 'ready';
    return Promise.resolve();
  }

  async send(message: OutboundMessage, opts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const { signal } = opts;
    if (signal?.aborted) throw aborted(signal);
    if (this.#state === 'closed') throw unavailable('the adapter is closed');
    if (message.mls === undefined || message.contentKind !== 'full')
      throw unsupported('the gateway cannot encrypt: only end-to-end-encrypted (mls) content travels here');
    const user = userIdOf(message.to);
    if (user === undefined)
      throw new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'secure' });
    const queuing = this.#delivery.deliverToUser({
      tenantId: message.tenantId,
      messageId: message.messageId,
      userId: user,
      groupId: message.mls.groupId,
      message: message.mls.message,
    });
    try {
      await (signal === undefined ? queuing : untilAborted(queuing, signal));
    } catch (err) {
      const e = mapError(err);
      this.#log.warn({ channel: 'secure', code: e.code }, 'secure: the Delivery Service refused');
      throw e;
    }
    return { providerMessageId: message.messageId };
  }

  isReady(): boolean {
    return this.#state === 'ready';
  }

  close(): Promise<void> {
    this.#state = 'closed';
    return Promise.resolve();
  }
}

/**
 * The Delivery Service's refusals, as the route needs them: no such group, or no device of the
 * recipient in it, means the recipient cannot be reached this way (`unsupported`); the rest keep
 * their codes and retryability (a full inbox is retryable, a stale epoch or malformed
 * ciphertext is not).
 */
function mapError(err: unknown): HeraldError {
  if (!isHeraldError(err))
    return new HeraldError(
      'HERALD_ERR_CHANNEL_UNAVAILABLE',
      { channel: 'secure', detail: 'unexpected error' },
      { cause: err },
    );
  if (err.code === 'HERALD_ERR_SECURE_GROUP_NOT_FOUND' || err.code === 'HERALD_ERR_SECURE_NOT_MEMBER')
    return unsupported('the group holds no active device of the recipient');
  return err;
}

/** Settles with `p`, or rejects with HERALD_ERR_CHANNEL_ABORTED when `signal` fires first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const unsupported = (detail: string) =>
  new HeraldError('HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', { channel: 'secure', detail });

const unavailable = (detail: string) =>
  new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'secure', detail });

const aborted = (signal: AbortSignal) =>
  new HeraldError('HERALD_ERR_CHANNEL_ABORTED', { channel: 'secure' }, { cause: signal.reason });
