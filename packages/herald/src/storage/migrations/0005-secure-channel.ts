import type { Kysely, Migration } from 'kysely';

/** The secure channel's Delivery Service: groups, ordered handshake messages, device queues. */
export function secureChannel(_dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(_db: Kysely<unknown>): Promise<void> {},
  };
}
