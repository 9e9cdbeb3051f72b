import { randomBytesPooled } from './crypto/random-pool.ts';

/** A string that cannot be mixed up with another kind of identifier by accident. */
export type Brand<T, B extends string> = T & { readonly __brand: B };

export type TenantId = Brand<string, 'TenantId'>;
export type MessageId = Brand<string, 'MessageId'>;
export type ApiKeyId = Brand<string, 'ApiKeyId'>;
export type AttemptId = Brand<string, 'AttemptId'>;
export type WebhookId = Brand<string, 'WebhookId'>;
export type JobId = Brand<string, 'JobId'>;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A sortable, URL-safe identifier: 48 bits of milliseconds then 80 random bits, in
 * Crockford base32 (the ULID layout), with a type prefix so ids are self-describing in logs.
 */
export function newId<T extends string>(prefix: string): T {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  const rnd = randomBytesPooled(16);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += CROCKFORD[rnd[i]! % 32]!;
  return `${prefix}_${head}${tail}` as T;
}

export const newMessageId = (): MessageId => newId<MessageId>('msg');
export const newTenantId = (): TenantId => newId<TenantId>('ten');
export const newApiKeyId = (): ApiKeyId => newId<ApiKeyId>('key');
export const newAttemptId = (): AttemptId => newId<AttemptId>('att');
export const newWebhookId = (): WebhookId => newId<WebhookId>('whk');
export const newJobId = (): JobId => newId<JobId>('job');
