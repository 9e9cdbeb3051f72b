import type { DeviceClient } from '../device/device-client.ts';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { HttpClient, type CallOptions, type FetchLike } from '../http/http-client.ts';
import { toBase64 } from '../util/base64.ts';
import { object } from '../util/shape.ts';
import type { JournalSealer } from './journal-sealer.ts';
import {
  CLASSIFICATIONS,
  type AcceptedMessage,
  type ListMessagesQuery,
  type MessageDetail,
  type MessagePage,
  type SendMessageRequest,
} from './message-types.ts';

/** Options of {@link createHerald}. */
export interface HeraldClientOptions {
  readonly baseUrl: string;
  /** An API key with the `sender` role (`hk_…`). */
  readonly apiKey: string;
  readonly fetch?: FetchLike;
  /** Per-request time limit (default 30 s). */
  readonly timeoutMs?: number;
  /** A device client (the service's own enrolled device), for sends to `{ userId }`. */
  readonly secure?: { readonly device: DeviceClient };
  /**
   * Seals the journal copy of every send to `{ userId }` to the archive public key pinned in it
   * (`journalSealer()` from `@herald/sdk/node`), for policies that journal such messages.
   */
  readonly journal?: JournalSealer;
}

/** `herald.messages`. */
export interface MessagesApi {
  /**
   * Sends a message. To `{ userId }` it goes through the secure channel: the SDK proves the
   * recipient's device keys in the key directory, encrypts in this process and sends only
   * `content: { mls: { groupId, message } }`.
   */
  send(req: SendMessageRequest, options?: CallOptions): Promise<AcceptedMessage>;
  /** A message with its decision and timeline (metadata only). */
  get(id: string, options?: CallOptions): Promise<MessageDetail>;
  /** Messages, newest first, one page at a time. */
  list(query?: ListMessagesQuery, options?: CallOptions): Promise<MessagePage>;
}

/** The sender client. */
export interface HeraldClient {
  readonly messages: MessagesApi;
}

function invalid(detail: string): HeraldSdkError {
  return new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail });
}

// Client-side checks catch mistakes early with a clear error; the server validates everything
// again (api/message-schemas.ts), so these are for the caller, not for security.
function checkSend(req: SendMessageRequest): void {
  if (typeof req !== 'object' || req === null) throw invalid('the request must be an object');
  if (typeof req.to === 'string') {
    if (req.to.length < 3 || req.to.length > 254) throw invalid('to must be 3 to 254 characters');
  } else if (typeof req.to !== 'object' || req.to === null || typeof req.to.userId !== 'string') {
    throw invalid('to must be an address or { userId }');
  }
  const text = req.content?.text;
  if (typeof text !== 'string' || text.length === 0 || text.length > 10_000)
    throw invalid('content.text must be 1 to 10000 characters');
  if (!(CLASSIFICATIONS as readonly string[]).includes(req.classification))
    throw invalid('unknown classification');
  const ref = req.clientReference;
  if (ref !== undefined && (typeof ref !== 'string' || ref.length < 1 || ref.length > 128))
    throw invalid('clientReference must be 1 to 128 characters');
}

/**
 * Creates the sender client for services: typed `messages.send/get/list` over the HTTP API,
 * with the server's refusals as `HeraldApiError` carrying its `HERALD_ERR_*` code.
 */
export function createHerald(options: HeraldClientOptions): HeraldClient {
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) throw invalid('apiKey is required');
  const http = new HttpClient({
    baseUrl: options.baseUrl,
    credential: () => options.apiKey,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const device = options.secure?.device;
  const journal = options.journal;
  let archiveKeyChecked = false;

  // The archive key is pinned in configuration; the gateway's is fetched only to compare, so a
  // gateway serving its own key is refused before anything is encrypted or sent.
  async function checkArchiveKey(sealer: JournalSealer, callOptions: CallOptions): Promise<void> {
    if (archiveKeyChecked) return;
    const r = object(
      await http.json({ method: 'GET', path: '/v1/journal/archive-key', ...callOptions }),
      'archive key',
    );
    if (r['key'] !== sealer.archiveKey) throw new HeraldSdkError('HERALD_SDK_ARCHIVE_KEY_MISMATCH');
    archiveKeyChecked = true;
  }

  const messages: MessagesApi = {
    async send(req, callOptions = {}) {
      checkSend(req);
      const { to, content, clientReference, ...rest } = req;
      let body: Record<string, unknown>;
      let groupId: string | undefined;
      if (typeof to === 'string') {
        body = { ...rest, to, content: { text: content.text } };
      } else {
        if (device === undefined) throw new HeraldSdkError('HERALD_SDK_SECURE_NOT_CONFIGURED');
        if (journal !== undefined) await checkArchiveKey(journal, callOptions);
        groupId = await device.groupFor(to.userId, callOptions);
        const message = await device.encrypt(groupId, content.text, callOptions);
        const recipient = `user:${to.userId}`;
        const journalCopy = journal?.seal(
          {
            text: content.text,
            recipients: [recipient],
            ...(clientReference === undefined ? {} : { clientReference }),
          },
          message,
        );
        body = {
          ...rest,
          to: recipient,
          content: { mls: { groupId, message: toBase64(message) }, ...(journalCopy ? { journalCopy } : {}) },
        };
      }
      let replayed = false;
      const r = object(
        await http.json({
          method: 'POST',
          path: '/v1/messages',
          body,
          onResponse: (res) => (replayed = res.headers.get('idempotent-replayed') === 'true'),
          ...callOptions,
        }),
        'accepted message',
      );
      const accepted = r as unknown as Omit<AcceptedMessage, 'replayed' | 'groupId'>;
      return { ...accepted, replayed, ...(groupId === undefined ? {} : { groupId }) };
    },

    async get(id, callOptions = {}) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
        throw invalid('id is not a message id');
      return object(
        await http.json({ method: 'GET', path: `/v1/messages/${id}`, ...callOptions }),
        'message',
      ) as unknown as MessageDetail;
    },

    async list(query = {}, callOptions = {}) {
      if (
        query.limit !== undefined &&
        (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 200)
      )
        throw invalid('limit must be 1 to 200');
      return object(
        await http.json({ method: 'GET', path: '/v1/messages', query: { ...query }, ...callOptions }),
        'message page',
      ) as unknown as MessagePage;
    },
  };
  return { messages };
}
