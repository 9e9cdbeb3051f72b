import type { Kysely } from 'kysely';
import type { SignatureKeyLookup } from '../e2ee/mls/key-directory-credential-validator.ts';
import type { TenantId } from '../ids.ts';
import type { Database } from '../storage/schema.ts';

/**
 * The key directory as MLS credential checks see it: the signature key of an enrolled, *active*
 * device whose id and user match the credential's `userId:deviceId`, from the devices table
 * (whose key every directory entry publishes). Suspended, revoked and unknown devices have none.
 * With `tenantId`, devices of other tenants are unknown too: a group of one tenant can never
 * admit a device of another.
 */
export function deviceSignatureKeys(db: Kysely<Database>, tenantId?: TenantId): SignatureKeyLookup {
  return async (identity, options) => {
    options?.signal?.throwIfAborted();
    let q = db
      .selectFrom('devices')
      .select('signature_key')
      .where('id', '=', identity.deviceId)
      .where('user_id', '=', identity.userId)
      .where('status', '=', 'active');
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    const row = await q.executeTakeFirst();
    return row && new Uint8Array(row.signature_key);
  };
}
