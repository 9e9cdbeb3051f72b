/**
 * A user id as devices, KeyPackage claims and the key directory name it: the short name after
 * `user:` in a message recipient (`messages/recipient.ts`). It has no `:` and no whitespace, so
 * `userId:deviceId` is an unambiguous MLS credential identity.
 */
export const USER_ID_PATTERN = '^[A-Za-z0-9._-]{1,128}$';

const USER_ID = new RegExp(USER_ID_PATTERN);

export function isUserId(s: string): boolean {
  return USER_ID.test(s);
}
