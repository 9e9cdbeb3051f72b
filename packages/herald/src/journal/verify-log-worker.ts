// The second thread of `verifyLog`: scans one range of leaves over its own database connection
// and hands back the packed leaf hashes (transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '../storage/connect.ts';
import type { LogKind } from './log-rows.ts';
import { scanLeaves } from './verify-leaves.ts';

/** What the worker is asked to scan. */
export interface ScanJob {
  readonly url: string;
  readonly kind: LogKind;
  readonly origin: string;
  readonly from: number;
  readonly to: number;
}

const job = workerData as ScanJob;
const conn = connect(job.url, { poolSize: 1 });
try {
  const scan = await scanLeaves(conn.db, conn.dialect, job.kind, job.origin, job.from, job.to);
  parentPort!.postMessage(scan, [scan.hashes.buffer as ArrayBuffer]);
} finally {
  await conn.close();
}
