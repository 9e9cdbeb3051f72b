import { sha256 } from './record-envelope.ts';

/**
 * The stored form of a person a record is about (a recipient or sender), so legal holds by user
 * can match records without the journal keeping identifiers in clear. Scoped by tenant and
 * lower-cased. It is an unkeyed hash: it hides identifiers from casual reading of a dump, but a
 * phone number can be found by guessing; see docs/journal.md.
 */
export function subjectHash(tenantId: string, subject: string): string {
  return sha256(
    Buffer.from(`herald-subject/v1\n${tenantId}\n${subject.trim().toLowerCase()}`, 'utf8'),
  ).toString('base64url');
}
