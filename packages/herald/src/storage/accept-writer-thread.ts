// The accept writer thread: runs accept batches on its own SQLite connection, so SQLite's
// statement execution and commit (and the checkpoints a commit triggers) leave the event loop.
// One thread serves every SQLite database of the process (tests open many), one connection each.
import { parentPort } from 'node:worker_threads';
import { writeAcceptRows, type AcceptRow } from './accept-rows.ts';
import { connect, type Connection } from './connect.ts';
import type { WriterReply, WriterRequest } from './accept-writer.ts';

const connections = new Map<string, Connection>();

async function handle(req: WriterRequest): Promise<unknown> {
  if (req.op === 'close') {
    const conn = connections.get(req.url);
    connections.delete(req.url);
    await conn?.close();
    return null;
  }
  let conn = connections.get(req.url);
  if (!conn) connections.set(req.url, (conn = connect(req.url)));
  if (req.op !== 'write') return null;
  const { db, sqlite } = conn;
  const items: readonly AcceptRow[] = req.items;
  return db.transaction().execute((trx) => writeAcceptRows(trx, 'sqlite', items, sqlite));
}

parentPort!.on('message', (req: WriterRequest) => {
  handle(req).then(
    (value) => parentPort!.postMessage({ seq: req.seq, ok: true, value } satisfies WriterReply),
    (e: unknown) => {
      const err = e as { name?: string; message?: string; code?: unknown };
      // Only what identifies the failure crosses back; no row values are in SQLite's messages.
      const error = { name: String(err.name ?? 'Error'), message: String(err.message ?? e), code: err.code };
      parentPort!.postMessage({ seq: req.seq, ok: false, error } satisfies WriterReply);
    },
  );
});
