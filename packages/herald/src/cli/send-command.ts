import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { FINAL_STATUSES, type MessageStatus } from '../delivery/message-status.ts';

interface TimelineEntry {
  at: string;
  type: string;
  status: string | null;
  [k: string]: unknown;
}

/**
 * `herald send`: sends through the HTTP API (like any client) and follows the message until a
 * final status, printing each timeline entry as it appears. Exit code 0 only when delivered.
 */
export async function sendCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      text: { type: 'string' },
      classification: { type: 'string', default: 'internal' },
      retention: { type: 'string' },
      ttl: { type: 'string' },
      label: { type: 'string', multiple: true },
      'idempotency-key': { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      // Following is the default; `--follow` is accepted for scripts that say so explicitly.
      follow: { type: 'boolean', default: true },
      'no-follow': { type: 'boolean', default: false },
      'timeout-s': { type: 'string', default: '120' },
    },
  });
  if (!values.to || !values.text) {
    process.stderr.write('usage: herald send --to <recipient> --text <text> [--classification internal]\n');
    return 2;
  }
  const config = loadConfig();
  const url = values.url ?? process.env.HERALD_URL ?? `http://127.0.0.1:${config.port}`;
  const keyFile = join(config.dataDir, 'sandbox.key');
  const key =
    values.key ??
    process.env.HERALD_API_KEY ??
    (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!key) {
    process.stderr.write('no API key: pass --key, set HERALD_API_KEY, or start the sandbox once\n');
    return 2;
  }
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const labels = Object.fromEntries((values.label ?? []).map((l) => l.split('=', 2) as [string, string]));
  const body = {
    to: values.to,
    content: { text: values.text },
    classification: values.classification,
    ...(values.retention ? { retention: values.retention } : {}),
    ...(values.ttl ? { ttl: Number(values.ttl) } : {}),
    ...(values.label ? { labels } : {}),
    ...(values['idempotency-key'] ? { idempotencyKey: values['idempotency-key'] } : {}),
  };
  const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
  const answer = (await res.json()) as {
    id?: string;
    status?: string;
    decision?: { rule: string };
    error?: { code: string; message: string };
  };
  if (res.status !== 202 || !answer.id) {
    process.stderr.write(`error ${answer.error?.code ?? res.status}: ${answer.error?.message ?? ''}\n`);
    return 1;
  }
  out(`${answer.id}  ${answer.status}  (rule ${answer.decision?.rule})`);
  if (values['no-follow']) return 0;

  const deadline = Date.now() + Number(values['timeout-s']) * 1000;
  let shown = 0;
  for (;;) {
    const r = await fetch(`${url}/v1/messages/${answer.id}`, { headers });
    const m = (await r.json()) as { status: string; timeline: TimelineEntry[] };
    for (const e of m.timeline.slice(shown)) {
      const { at, type, status, ...rest } = e;
      const extra = Object.entries(rest)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      out(`  ${at}  ${type.padEnd(14)} ${(status ?? '').padEnd(12)} ${extra}`);
    }
    shown = m.timeline.length;
    if (FINAL_STATUSES.has(m.status as MessageStatus))
      return m.status === 'delivered' || m.status === 'read' ? 0 : 1;
    if (Date.now() > deadline) {
      process.stderr.write(`still ${m.status} after ${values['timeout-s']} s\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
