// @herald/sdk: the sender client for services and the secure channel's device client. This entry
// uses no Node built-ins (fetch, WebCrypto and WebSocket are globals or injected), so it runs in
// browsers; Node-only pieces are in `@herald/sdk/node`.
export {
  createHerald,
  type HeraldClient,
  type HeraldClientOptions,
  type MessagesApi,
} from './sender/herald-client.ts';
export {
  CLASSIFICATIONS,
  MESSAGE_STATUSES,
  type AcceptedMessage,
  type Classification,
  type DecisionSummary,
  type ListMessagesQuery,
  type MessageDetail,
  type MessagePage,
  type MessageStatus,
  type MessageSummary,
  type RouteStep,
  type SendMessageRequest,
} from './sender/message-types.ts';
export type { JournalCopyInput, JournalSealer, SealedJournalCopy } from './sender/journal-sealer.ts';
export {
  createDevice,
  DeviceClient,
  type DeviceClientOptions,
  type ProcessingFailure,
  type ReceivedMessage,
} from './device/device-client.ts';
export type { DeviceInfo, InboxItem, Roster } from './device/secure-api.ts';
export { subprotocolWebSocket, type WebSocketFactory, type WebSocketLike } from './device/live-updates.ts';
export { safetyNumber } from './device/safety-number.ts';
export {
  KeyDirectory,
  type DeviceIdentity,
  type KeyDirectoryOptions,
  type ProvenKey,
} from './directory/key-directory.ts';
export {
  DIRECTORY_ACTIONS,
  parseDirectoryEntry,
  type DirectoryAction,
  type DirectoryEntry,
} from './directory/directory-entry.ts';
export { HeraldApiError, isHeraldApiError } from './errors/api-error.ts';
export {
  HeraldSdkError,
  isHeraldSdkError,
  SDK_ERRORS,
  SDK_FAILURE_REASONS,
  type SdkErrorCode,
  type SdkFailureReason,
} from './errors/sdk-errors.ts';
export type { CallOptions, FetchLike } from './http/http-client.ts';
export {
  isValidStoreKey,
  MAX_STORE_KEY,
  type DeviceStore,
  type StoreCallOptions,
} from './store/device-store.ts';
export { MemoryStore } from './store/memory-store.ts';
export { IndexedDbStore, type IndexedDbStoreOptions } from './store/indexeddb-store.ts';
export type { IdbFactoryLike, IdbKeyRangeLike } from './store/indexeddb-subset.ts';
