/** The Delivery Service of the secure channel (the `secure` part): groups, queues. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SecureTables {}
