import { newMessageId, type TenantId } from '../../src/ids.ts';
import { builtinPolicy } from '../../src/policy/builtin-policy.ts';
import type { NewMessage } from '../../src/storage/message-store.ts';
import type { Store } from '../../src/storage/store.ts';

/** A message as the accept path would build it, with overridable fields. */
export function newMessage(tenantId: string, over: Partial<NewMessage> = {}): NewMessage {
  const decision = builtinPolicy.decide(
    {
      tenantId,
      classification: 'internal',
      retention: 'standard',
      labels: {},
      recipient: { kind: 'phone', address: '+15550000001' },
    },
    { capabilities: { sms: true } },
  );
  return {
    id: newMessageId(),
    tenantId,
    apiKeyId: 'key_test',
    recipient: '+15550000001',
    recipientKind: 'phone',
    classification: 'internal',
    retention: 'standard',
    labels: {},
    sealedContent: 'v1.sealed',
    decision,
    status: 'accepted',
    expiresAt: null,
    createdAt: Date.now(),
    ...over,
  };
}

export async function twoTenants(store: Store): Promise<[TenantId, TenantId]> {
  const a = await store.tenants.createTenant(`a-${Math.random().toString(36).slice(2)}`);
  const b = await store.tenants.createTenant(`b-${Math.random().toString(36).slice(2)}`);
  return [a.id, b.id];
}
