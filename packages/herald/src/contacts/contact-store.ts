import type { Kysely, Selectable } from 'kysely';
import type { Channel } from '../channels/channel-adapter.ts';
import type { TenantId } from '../ids.ts';
import type { Database } from '../storage/schema.ts';
import type { ContactsTable } from '../storage/schema-contacts.ts';

/** How to reach one user: what a message to `user:<id>` resolves to at send time. */
export interface Contact {
  readonly userId: string;
  /** E.164, for SMS and RCS. */
  readonly phone: string | null;
  readonly email: string | null;
  /** Push addresses (`apns:<token>`, `fcm:<token>`), newest first; the first one is used. */
  readonly push: readonly string[];
  /** Channels the user agreed to receive marketing on. */
  readonly consent: readonly Channel[];
  readonly updatedAt: number;
}

export type ContactInput = Omit<Contact, 'userId' | 'updatedAt'>;

/** The tenant's recipient directory. */
export class ContactStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(tenantId: TenantId, userId: string, c: ContactInput, now = Date.now()): Promise<Contact> {
    const row = {
      phone: c.phone,
      email: c.email,
      push: JSON.stringify(c.push),
      consent: JSON.stringify(c.consent),
      updated_at: now,
    };
    await this.db
      .insertInto('contacts')
      .values({ tenant_id: tenantId, user_id: userId, ...row })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet(row))
      .execute();
    return { userId, ...c, updatedAt: now };
  }

  async get(tenantId: TenantId | string, userId: string): Promise<Contact | undefined> {
    const row = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toContact(row);
  }

  async delete(tenantId: TenantId, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('contacts')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

function toContact(row: Selectable<ContactsTable>): Contact {
  return {
    userId: row.user_id,
    phone: row.phone,
    email: row.email,
    push: JSON.parse(row.push) as string[],
    consent: JSON.parse(row.consent) as Channel[],
    updatedAt: row.updated_at,
  };
}
