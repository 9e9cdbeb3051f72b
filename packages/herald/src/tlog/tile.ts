import { HeraldError } from '../errors/index.ts';
import { HASH_SIZE, type Hash } from './hash.ts';
import type { NodeId } from './node-id.ts';

/** Tree levels one tile spans (C2SP tlog-tiles: tiles of 2^8 = 256 hashes). */
export const TILE_HEIGHT = 8;
/** Hashes in the bottom row of a full tile. */
export const TILE_WIDTH = 1 << TILE_HEIGHT;

/**
 * Names one tile: tile level `level` holds the tree levels `[8·level, 8·level + 8)`, and tile
 * `index` covers the nodes `[index·256, index·256 + 256)` of tree level `8·level`.
 */
export interface TileId {
  readonly level: number;
  readonly index: number;
}

/** Where a node lives: its tile, the row inside the tile (0 = bottom) and its position in that row. */
export interface TileSlot {
  readonly tile: TileId;
  readonly row: number;
  readonly position: number;
}

/** The tile holding node `id`, and where in it. */
export function tileSlot(id: NodeId): TileSlot {
  const level = Math.floor(id.level / TILE_HEIGHT);
  const row = id.level % TILE_HEIGHT;
  const perTile = TILE_WIDTH >> row;
  const index = Math.floor(id.index / perTile);
  return { tile: { level, index }, row, position: id.index - index * perTile };
}

/** Hashes a tile of bottom width `width` holds in `row`: a node needs both its children. */
export function rowLength(width: number, row: number): number {
  return width >> row;
}

/** Bytes of a tile of bottom width `width`: every row, bottom first. */
export function tileBytes(width: number): number {
  let n = 0;
  for (let row = 0; row < TILE_HEIGHT; row++) n += rowLength(width, row);
  return n * HASH_SIZE;
}

/** Byte offset of `row` inside a tile of bottom width `width`. */
function rowOffset(width: number, row: number): number {
  let n = 0;
  for (let r = 0; r < row; r++) n += rowLength(width, r);
  return n * HASH_SIZE;
}

/**
 * One stored tile. The blob starts with the `width` hashes of its bottom row, exactly a C2SP
 * tlog-tiles tile (so it can be served as one with a prefix read), followed by the rows above it
 * inside the tile, which the writer computed anyway: storing them keeps every proof a lookup of
 * a few rows with no hashing (at most 510 hashes, 16 KiB, per full tile).
 */
export class Tile {
  readonly id: TileId;
  readonly width: number;
  readonly bytes: Uint8Array;

  constructor(id: TileId, width: number, bytes: Uint8Array) {
    if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH || bytes.length !== tileBytes(width)) {
      throw new HeraldError('HERALD_ERR_TLOG_MALFORMED_TILE', {
        level: id.level,
        index: id.index,
        detail: `width ${width} with ${bytes.length} bytes`,
      });
    }
    this.id = id;
    this.width = width;
    this.bytes = bytes;
  }

  /** The hash at `position` of `row`, or undefined when the tile does not hold it (yet). */
  hash(row: number, position: number): Hash | undefined {
    if (position < 0 || position >= rowLength(this.width, row)) return undefined;
    const at = rowOffset(this.width, row) + position * HASH_SIZE;
    // A plain Uint8Array copy (drivers hand out Buffers, whose slice would share memory).
    return new Uint8Array(this.bytes.subarray(at, at + HASH_SIZE));
  }

  /** The bottom row as a copy (for verifiers that walk the leaves). */
  bottom(): Uint8Array {
    return new Uint8Array(this.bytes.subarray(0, this.width * HASH_SIZE));
  }
}

/**
 * Builds a tile grown by `added` hashes per row (bottom first) on top of `base` (undefined for a
 * new tile). Each row must end where a tile of the new width ends, or the writer lost a node.
 */
export function growTile(id: TileId, base: Tile | undefined, added: readonly Hash[][]): Tile {
  const oldWidth = base?.width ?? 0;
  const width = oldWidth + (added[0]?.length ?? 0);
  const bytes = new Uint8Array(tileBytes(width));
  let at = 0;
  for (let row = 0; row < TILE_HEIGHT; row++) {
    const kept = rowLength(oldWidth, row);
    const fresh = added[row] ?? [];
    if (kept + fresh.length !== rowLength(width, row)) {
      throw new HeraldError('HERALD_ERR_TLOG_MALFORMED_TILE', {
        level: id.level,
        index: id.index,
        detail: `row ${row} would hold ${kept + fresh.length} hashes, not ${rowLength(width, row)}`,
      });
    }
    if (base !== undefined && kept > 0) {
      const from = rowOffset(oldWidth, row);
      bytes.set(base.bytes.subarray(from, from + kept * HASH_SIZE), at);
      at += kept * HASH_SIZE;
    }
    for (const h of fresh) {
      bytes.set(h, at);
      at += HASH_SIZE;
    }
  }
  return new Tile(id, width, bytes);
}

/** A stable string key for a tile (`"1/17"`). */
export function tileKey(id: TileId): string {
  return `${id.level}/${id.index}`;
}
