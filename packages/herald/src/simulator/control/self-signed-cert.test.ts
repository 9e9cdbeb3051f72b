import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, it } from 'node:test';
import { selfSignedCert } from './self-signed-cert.ts';

describe('self-signed certificate', () => {
  it('parses as X.509 with the names asked for, and is signed by its own key', () => {
    const { cert } = selfSignedCert(['localhost', '127.0.0.1', '::1']);
    const x = new X509Certificate(cert);
    assert.equal(x.subject, 'CN=localhost');
    assert.equal(x.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.ok(x.verify(x.publicKey));
    assert.ok(x.checkIP('127.0.0.1'));
  });

  it('lets a TLS client that trusts it connect to 127.0.0.1 with full verification', async () => {
    const { cert, key } = selfSignedCert();
    const server = createServer({ cert, key }, (s) => s.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const socket = connect({ host: '127.0.0.1', port, ca: cert });
    await once(socket, 'secureConnect');
    assert.equal(socket.authorized, true);
    socket.destroy();
    server.close();
  });
});
