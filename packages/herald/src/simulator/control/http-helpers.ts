import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import { HeraldError } from '../../errors/index.ts';
import type { BadResponse } from './fault-state.ts';

/** Reads a request body up to `limit` bytes; undefined when it is larger. */
export async function readBody(req: IncomingMessage, limit = 1_048_576): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Answers with a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** HTTP status and google.rpc.Code name for each HTTP fault (Google API error model, AIP-193). */
export const GOOGLE_ERRORS = {
  invalid: [400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  unauthorized: [401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'],
  forbidden: [403, 'PERMISSION_DENIED', 'The caller does not have permission.'],
  not_found: [404, 'NOT_FOUND', 'Requested entity was not found.'],
  exists: [409, 'ALREADY_EXISTS', 'Requested entity already exists.'],
  throttled: [429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.'],
  internal: [500, 'INTERNAL', 'Internal error encountered.'],
  unavailable: [503, 'UNAVAILABLE', 'The service is currently unavailable.'],
} as const;
export type GoogleError = keyof typeof GOOGLE_ERRORS;

/** Answers with a Google API error body: `{ error: { code, message, status, details? } }`. */
export function sendGoogleError(res: ServerResponse, kind: GoogleError, details?: unknown[]): void {
  const [code, status, message] = GOOGLE_ERRORS[kind];
  const headers: Record<string, string> = kind === 'throttled' ? { 'retry-after': '1' } : {};
  sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } }, headers);
}

/**
 * Answers badly on purpose, for testing a client's parser: `garbage` is a 200 whose body is
 * not JSON; `wrong_status` is a redirect no provider API sends; `truncated` promises more bytes
 * than it writes, then drops the connection.
 */
export function sendBadResponse(res: ServerResponse, kind: BadResponse): void {
  switch (kind) {
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html><body>502 Bad Gateway</body></html>\u0000{"name": ');
      return;
    case 'wrong_status':
      res.writeHead(302, { location: '/elsewhere', 'content-length': '0' });
      res.end();
      return;
    case 'truncated':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '512' });
      res.write('{"name": "phones/');
      // Flush the head and the first bytes, then cut the connection mid-body.
      setImmediate(() => res.socket?.destroy());
      return;
  }
}

/** Listens on host:port (0: ephemeral) and resolves with the real port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error & { code?: string }): void => {
      reject(
        new HeraldError(
          'HERALD_ERR_SIMULATOR_LISTEN_FAILED',
          { host, port, detail: err.code ?? 'listen error' },
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
