import type { KeyDirectory } from '../keys/key-directory.ts';
import type { TenantId } from '../ids.ts';
import type { Store } from '../storage/store.ts';
import { EXTERNAL_SENDER_IDENTITY } from './external-sender.ts';

/**
 * Publishes the Delivery Service's external-sender key in a tenant's key directory once: groups
 * name it as their external sender, and members check its key there like any other leaf. The
 * entry is looked up first, so restarts and other processes add nothing (two processes racing
 * on PostgreSQL may both add the same entry, which is harmless: same key, same identity).
 */
export function externalSenderPublisher(
  store: Store,
  directory: KeyDirectory,
): (tenantId: TenantId, key: Uint8Array) => Promise<void> {
  const done = new Set<string>();
  return async (tenantId, key) => {
    if (done.has(tenantId)) return;
    await store.tx.run(async (trx) => {
      const have = await trx
        .selectFrom('key_directory_entries')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', EXTERNAL_SENDER_IDENTITY.userId)
        .where('device_id', '=', EXTERNAL_SENDER_IDENTITY.deviceId)
        .executeTakeFirst();
      if (!have)
        await directory.append(trx, {
          action: 'publish',
          tenantId,
          ...EXTERNAL_SENDER_IDENTITY,
          key,
          at: Date.now(),
        });
    });
    done.add(tenantId);
  };
}
