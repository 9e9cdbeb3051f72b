import {
  consistencyProofToJson,
  generateNoteKey,
  hashLeaf,
  inclusionProofToJson,
  MemoryHashStore,
  MerkleTree,
  parseSignerKey,
  signCheckpoint,
  type LeafIndex,
  type NoteSigner,
  type TreeSize,
} from '@herald/server/tlog';
import type { FetchLike } from '../../src/http/http-client.ts';

export interface FakeEntry {
  entry: string;
  leafIndex: number | null;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * The key directory's routes over a real RFC 9162 tree and real signed checkpoints, as a `fetch`
 * function. A test double on purpose: these tests need a server that lies (substitutes a key,
 * forks its log), which the real gateway cannot be made to do. The end-to-end test checks the
 * honest path against the real server.
 */
export class FakeKeyLog {
  readonly origin: string;
  readonly verifierKey: string;
  #signer: NoteSigner;
  #tree = new MerkleTree(new MemoryHashStore());
  /** What `GET /v1/directory/:user/:device` answers, by `user:device`; tests may rewrite it. */
  readonly entries = new Map<string, FakeEntry[]>();
  requests = 0;

  constructor(origin = 'herald.test/keys') {
    this.origin = origin;
    const key = generateNoteKey(origin);
    this.#signer = parseSignerKey(key.signerKey);
    this.verifierKey = key.verifierKey;
  }

  /** The entry text as the server writes it. */
  static entryText(e: {
    action?: string;
    tenant?: string;
    user: string;
    device: string;
    key: Uint8Array;
    at?: number;
  }): string {
    return JSON.stringify({
      v: 1,
      action: e.action ?? 'publish',
      tenant: e.tenant ?? 'acme',
      user: e.user,
      device: e.device,
      suite: 1,
      key: Buffer.from(e.key).toString('base64'),
      at: e.at ?? 1_700_000_000_000,
    });
  }

  /** Appends an entry (integrated at once unless `integrate` is false) and lists it for its device. */
  async append(e: Parameters<typeof FakeKeyLog.entryText>[0], integrate = true): Promise<FakeEntry> {
    const entry = FakeKeyLog.entryText(e);
    const item: FakeEntry = { entry, leafIndex: null };
    if (integrate) item.leafIndex = (await this.#tree.append([new TextEncoder().encode(entry)])).firstIndex;
    const k = `${e.user}:${e.device}`;
    this.entries.set(k, [...(this.entries.get(k) ?? []), item]);
    return item;
  }

  /** Integrates a pending entry (the sequencer's job). */
  async integrate(item: FakeEntry): Promise<void> {
    item.leafIndex = (await this.#tree.append([new TextEncoder().encode(item.entry)])).firstIndex;
  }

  /** Appends a leaf that no device lists (another tenant's entry, say). */
  async appendOther(text: string): Promise<void> {
    await this.#tree.append([new TextEncoder().encode(text)]);
  }

  /** Forks the log: from now on it serves a different tree, signed with the same key. */
  fork(leaves: readonly string[]): Promise<unknown> {
    this.#tree = new MerkleTree(new MemoryHashStore());
    return this.#tree.append(leaves.map((l) => new TextEncoder().encode(l)));
  }

  /** Signs checkpoints with another key from now on. */
  resign(): void {
    this.#signer = parseSignerKey(generateNoteKey(this.origin).signerKey);
  }

  leafHash(text: string): Uint8Array {
    return hashLeaf(new TextEncoder().encode(text));
  }

  readonly fetch: FetchLike = async (url) => {
    this.requests++;
    const u = new URL(url);
    const q = (name: string) => Number(u.searchParams.get(name));
    if (u.pathname === '/v1/tlog/keys/checkpoint') {
      const head = await this.#tree.head();
      const note = await signCheckpoint(
        { origin: this.origin, size: head.size, root: head.root, extensions: [] },
        [this.#signer],
      );
      return new Response(note, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    if (u.pathname === '/v1/tlog/keys/inclusion') {
      try {
        return json(
          200,
          inclusionProofToJson(
            await this.#tree.inclusionProof(q('index') as LeafIndex, q('size') as TreeSize),
          ),
        );
      } catch {
        return beyondSize();
      }
    }
    if (u.pathname === '/v1/tlog/keys/consistency') {
      try {
        return json(
          200,
          consistencyProofToJson(
            await this.#tree.consistencyProof(q('from') as TreeSize, q('to') as TreeSize),
          ),
        );
      } catch {
        return beyondSize();
      }
    }
    const m = /^\/v1\/directory\/([^/]+)\/([^/]+)$/.exec(u.pathname);
    if (m !== null) {
      const list = this.entries.get(`${decodeURIComponent(m[1]!)}:${decodeURIComponent(m[2]!)}`);
      if (list === undefined)
        return json(404, {
          error: {
            code: 'HERALD_ERR_KEYS_UNKNOWN_DEVICE',
            message: 'unknown',
            reason: 'not_found',
            retryable: false,
            requestId: 'r',
          },
        });
      return json(200, { entries: list });
    }
    return json(404, {
      error: {
        code: 'HERALD_ERR_API_NOT_FOUND',
        message: 'no route',
        reason: 'not_found',
        retryable: false,
        requestId: 'r',
      },
    });
  };
}

/** The server's answer to a proof beyond the log's size. */
function beyondSize(): Response {
  return json(400, {
    error: {
      code: 'HERALD_ERR_TLOG_BEYOND_SIZE',
      message: 'beyond',
      reason: 'invalid',
      retryable: false,
      requestId: 'r',
    },
  });
}
