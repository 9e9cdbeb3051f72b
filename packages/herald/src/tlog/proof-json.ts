import { HeraldError } from '../errors/index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { HASH_SIZE, type Hash } from './hash.ts';
import type { ConsistencyProof, InclusionProof } from './proof.ts';
import { leafIndex, treeSize } from './tree-size.ts';

/** JSON form of an {@link InclusionProof}: numbers, and each path hash in standard base64. */
export interface InclusionProofJson {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly path: readonly string[];
}

/** JSON form of a {@link ConsistencyProof}: numbers, and each path hash in standard base64. */
export interface ConsistencyProofJson {
  readonly size1: number;
  readonly size2: number;
  readonly path: readonly string[];
}

const bad = (detail: string): HeraldError => new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', { detail });

function record(value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('a proof must be an object');
  const extra = Object.keys(value).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw bad(`unknown proof field ${extra[0]}`);
  return value as Record<string, unknown>;
}

function count(value: unknown, name: string): number {
  if (typeof value !== 'number') throw bad(`${name} must be a number`);
  return value;
}

function hashes(value: unknown): Hash[] {
  if (!Array.isArray(value)) throw bad('path must be an array of base64 hashes');
  return value.map((v) => {
    const h = typeof v === 'string' ? decodeBase64(v) : undefined;
    if (h?.length !== HASH_SIZE) throw bad('path must be an array of base64 hashes of 32 bytes');
    return h;
  });
}

/** Encodes an inclusion proof for JSON (export bundles, API responses). */
export function inclusionProofToJson(proof: InclusionProof): InclusionProofJson {
  return { leafIndex: proof.leafIndex, treeSize: proof.treeSize, path: proof.path.map(encodeBase64) };
}

/** Decodes {@link InclusionProofJson} strictly; throws `HERALD_ERR_TLOG_INVALID_ARGUMENT`. */
export function inclusionProofFromJson(value: unknown): InclusionProof {
  const o = record(value, ['leafIndex', 'treeSize', 'path']);
  return {
    leafIndex: leafIndex(count(o['leafIndex'], 'leafIndex')),
    treeSize: treeSize(count(o['treeSize'], 'treeSize')),
    path: hashes(o['path']),
  };
}

/** Encodes a consistency proof for JSON. */
export function consistencyProofToJson(proof: ConsistencyProof): ConsistencyProofJson {
  return { size1: proof.size1, size2: proof.size2, path: proof.path.map(encodeBase64) };
}

/** Decodes {@link ConsistencyProofJson} strictly; throws `HERALD_ERR_TLOG_INVALID_ARGUMENT`. */
export function consistencyProofFromJson(value: unknown): ConsistencyProof {
  const o = record(value, ['size1', 'size2', 'path']);
  return {
    size1: treeSize(count(o['size1'], 'size1')),
    size2: treeSize(count(o['size2'], 'size2')),
    path: hashes(o['path']),
  };
}
