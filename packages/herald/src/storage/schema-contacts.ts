import type { Millis } from './schema.ts';

/** The recipient directory: how to reach a tenant's users on each channel. */
export interface ContactsTables {
  contacts: ContactsTable;
}

/** One user of one tenant. `push` and `consent` are JSON arrays. */
export interface ContactsTable {
  tenant_id: string;
  user_id: string;
  phone: string | null;
  email: string | null;
  push: string;
  consent: string;
  updated_at: Millis;
}
