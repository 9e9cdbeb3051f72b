import { isDeepStrictEqual } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  hashEquals,
  hashLeaf,
  inclusionProofFromJson,
  openCheckpoint,
  verifyInclusion,
  type CheckpointTrust,
} from '../tlog/index.ts';
import type { ExportedRecord, ExportManifest } from './export-format.ts';
import { journalLeafBytes } from './journal-leaf.ts';
import { progressBar, type ProgressStream } from './progress-bar.ts';
import { decryptRecord, sealedKeyDigest } from './record-envelope.ts';
import type { SealedSenderCopy } from './sender-copy.ts';
import type { VerifyReport } from './verify-log.ts';

const b = (s: string): Buffer => Buffer.from(s, 'base64');

/**
 * Verifies an export directory without the archive key: the checkpoint's signature and origin,
 * then for every record in the manifest, in order: its leaf recomputed from the exported
 * metadata and sealed parts, its inclusion proof against the checkpoint, its sealed key against
 * the digest in the leaf, and (unless shredded) that its data key decrypts the ciphertext to
 * exactly the exported record. Names the first bad record.
 */
export async function verifyExport(
  dir: string,
  trust: CheckpointTrust,
  progress?: ProgressStream,
): Promise<VerifyReport> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
  const base = { origin: trust.origin, size: manifest.records.length, pending: 0 };
  let opened;
  try {
    opened = openCheckpoint(await readFile(join(dir, manifest.checkpoint)), trust).checkpoint;
  } catch (err) {
    const firstBad = {
      index: manifest.treeSize,
      problem: `the checkpoint is invalid: ${(err as Error).message}`,
    };
    return { ...base, ok: false, checkpoints: 0, shredded: 0, firstBad };
  }
  const bar =
    progress && progressBar(progress, `verify export ${manifest.exportId}`, manifest.records.length);
  let shredded = 0;
  let previous = -1;
  for (const [i, entry] of manifest.records.entries()) {
    const fail = (problem: string): VerifyReport => ({
      ...base,
      ok: false,
      checkpoints: 1,
      shredded,
      firstBad: { index: entry.index, id: entry.id, problem: `${entry.file}: ${problem}` },
    });
    let rec: ExportedRecord;
    try {
      rec = JSON.parse(await readFile(join(dir, entry.file), 'utf8')) as ExportedRecord;
    } catch {
      return fail('the file is missing or not JSON');
    }
    if (rec.id !== entry.id || rec.index !== entry.index || entry.index <= previous) {
      return fail('the record is out of order or does not match the manifest');
    }
    previous = entry.index;
    const keyDigest = b(rec.sealed.keyDigest);
    const ciphertext = b(rec.sealed.ciphertext);
    const leaf = hashLeaf(journalLeafBytes({ id: rec.id, ...rec.meta, keyDigest, ciphertext }));
    let proof;
    try {
      proof = inclusionProofFromJson(rec.inclusionProof);
    } catch {
      return fail('the inclusion proof is malformed');
    }
    if (
      proof.leafIndex !== rec.index ||
      proof.treeSize !== opened.size ||
      !verifyInclusion(proof, leaf, opened.root)
    ) {
      return fail('the record is not included in the signed checkpoint');
    }
    if (rec.sealed.sealedKey !== null) {
      const digest = sealedKeyDigest(b(rec.sealed.enc), rec.sealed.encSeq, b(rec.sealed.sealedKey));
      if (!hashEquals(digest, keyDigest)) return fail('the sealed data key does not match its leaf');
    }
    if (rec.shredded) {
      if (rec.record !== null || rec.dataKey !== null || rec.senderCopy !== undefined)
        return fail('a shredded record must carry no content');
      shredded++;
    } else {
      try {
        const plain = decryptRecord(rec.id, b(rec.dataKey ?? ''), ciphertext);
        if (!isDeepStrictEqual(JSON.parse(plain.toString('utf8')), rec.record)) throw new Error('differs');
      } catch {
        return fail('the exported content is not what was sealed');
      }
      if (!senderCopyVerifies(rec)) return fail("the exported sender's copy is not what the sender sealed");
    }
    bar?.update(i + 1);
  }
  bar?.finish();
  return { ...base, ok: true, checkpoints: 1, shredded };
}

/**
 * A sender-sealed copy (end-to-end-encrypted messages) must decrypt, with its exported data key,
 * from the sealed copy inside the verified record to exactly the exported copy. A record without
 * one must not claim one.
 */
function senderCopyVerifies(rec: ExportedRecord): boolean {
  const content = (rec.record as { content?: { senderCopy?: SealedSenderCopy } } | null)?.content;
  const sealed = content?.senderCopy;
  const exported = rec.senderCopy;
  if (sealed === undefined || exported === undefined) return sealed === undefined && exported === undefined;
  if (exported.id !== sealed.id) return false;
  if (!('copy' in exported)) return true; // reported as unopenable: nothing readable to check
  try {
    const plain = decryptRecord(sealed.id, b(exported.dataKey), b(sealed.ct));
    return isDeepStrictEqual(JSON.parse(plain.toString('utf8')), exported.copy);
  } catch {
    return false;
  }
}
