import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody, sendJson } from './http-helpers.ts';
import { BAD_RESPONSES, type BadResponse, type FaultState } from './fault-state.ts';

/** One simulated provider the control API can reach. */
export interface ControlTarget {
  readonly faults: FaultState;
  stats(): unknown;
}

/** A running control API. */
export interface ControlHandle {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The simulator's control API, for tests and demos (JSON over HTTP):
 *
 * - `GET /stats`: every provider's counters; `GET /faults`: the faults in force.
 * - `POST /faults/{target}` (`rbm`, `smtp`, `push`, or `all`) with any of
 *   `{ "outage": true | { "forMs": 5000 }, "slowMs": 800, "dropReceipts": true,
 *      "badResponse": { "kind": "garbage" | "wrong_status" | "truncated", "count": 1 } }`.
 * - `DELETE /faults/{target}`: clears that target's faults (`outage: false` ends just the outage).
 */
export async function startControl(opts: {
  readonly targets: Readonly<Record<string, ControlTarget>>;
  readonly host?: string;
  readonly port?: number;
}): Promise<ControlHandle> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void route(opts.targets, req, res).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'HERALD_ERR_API_INTERNAL', message: 'control API failure' } });
    });
  });
  const port = await listen(server, host, opts.port ?? 0);
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(
  targets: Readonly<Record<string, ControlTarget>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://control.invalid').pathname;
  if (req.method === 'GET' && path === '/stats') {
    return sendJson(res, 200, Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, t.stats()])));
  }
  if (req.method === 'GET' && path === '/faults') {
    return sendJson(
      res,
      200,
      Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, t.faults.snapshot()])),
    );
  }
  const m = /^\/faults\/([a-z]+)$/.exec(path);
  if (m === null) return invalid(res, 404, `no route ${req.method ?? ''} ${path}`);
  const name = m[1]!;
  const chosen = name === 'all' ? Object.values(targets) : targets[name] === undefined ? [] : [targets[name]];
  if (chosen.length === 0)
    return invalid(res, 404, `unknown target ${name}; known: ${Object.keys(targets).join(', ')}, all`);
  if (req.method === 'DELETE') {
    for (const t of chosen) t.faults.clear();
    return sendJson(res, 200, { cleared: name });
  }
  if (req.method !== 'POST') return invalid(res, 405, 'use GET, POST or DELETE');
  const raw = await readBody(req, 16_384);
  let body: unknown;
  try {
    body = JSON.parse(raw?.toString('utf8') || '{}');
  } catch {
    return invalid(res, 400, 'the body is not JSON');
  }
  const plan = parseFaults(body);
  if (typeof plan === 'string') return invalid(res, 400, plan);
  for (const t of chosen) plan(t.faults);
  sendJson(
    res,
    200,
    Object.fromEntries(
      chosen.map((t, i) => [name === 'all' ? Object.keys(targets)[i]! : name, t.faults.snapshot()]),
    ),
  );
}

/** Validates a fault request and returns how to apply it, or what is wrong. */
export function parseFaults(body: unknown): ((faults: FaultState) => void) | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'the body must be a JSON object';
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!['outage', 'slowMs', 'dropReceipts', 'badResponse'].includes(key)) return `unknown field ${key}`;
  }
  const steps: ((f: FaultState) => void)[] = [];
  const outage = b['outage'];
  if (outage === true) steps.push((f) => f.outage());
  else if (outage === false) steps.push((f) => f.restore());
  else if (typeof outage === 'object' && outage !== null) {
    const forMs = (outage as { forMs?: unknown }).forMs;
    if (typeof forMs !== 'number' || !(forMs > 0)) return 'outage.forMs must be a positive number';
    steps.push((f) => f.outage(forMs));
  } else if (outage !== undefined) return 'outage must be true, false or { forMs }';
  const slowMs = b['slowMs'];
  if (slowMs !== undefined) {
    if (typeof slowMs !== 'number' || !(slowMs >= 0 && slowMs <= 600_000))
      return 'slowMs must be 0 to 600000';
    steps.push((f) => f.slow(slowMs));
  }
  const drop = b['dropReceipts'];
  if (drop !== undefined) {
    if (typeof drop !== 'boolean') return 'dropReceipts must be true or false';
    steps.push((f) => f.dropReceipts(drop));
  }
  const bad = b['badResponse'];
  if (bad !== undefined) {
    const { kind, count } = (bad ?? {}) as { kind?: unknown; count?: unknown };
    if (!(BAD_RESPONSES as readonly unknown[]).includes(kind))
      return `badResponse.kind must be one of ${BAD_RESPONSES.join(', ')}`;
    if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1))
      return 'badResponse.count must be a positive integer';
    steps.push((f) => f.badResponses(kind as BadResponse, (count as number | undefined) ?? Infinity));
  }
  return (f) => {
    for (const step of steps) step(f);
  };
}

function invalid(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, {
    error: { code: status === 404 ? 'HERALD_ERR_API_NOT_FOUND' : 'HERALD_ERR_API_VALIDATION', message },
  });
}
