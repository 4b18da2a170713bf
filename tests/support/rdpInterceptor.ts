import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket, connect as tlsConnect } from 'node:tls';

/**
 * A man in the middle for RDP over TLS: it relays the plaintext X.224 negotiation, then ends the
 * client's TLS with a certificate of its own and relays to the real target over a second TLS
 * connection. It keeps every byte the client sent inside TLS, where the credentials travel.
 */
export interface RdpInterceptor {
  host: '127.0.0.1';
  port: number;
  /** SHA-256 of the interceptor's own certificate, `AB:CD:…`. */
  certificateFingerprint: string;
  /** All the client sent after its TLS handshake, over every connection so far. */
  clientPlaintext(): Buffer;
  close(): Promise<void>;
}

export async function startRdpInterceptor(target: { host: string; port: number }): Promise<RdpInterceptor> {
  const dir = mkdtempSync('/tmp/vigil-rdp-mitm-');
  let key: Buffer;
  let cert: Buffer;
  try {
    const result = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=vigil-interceptor',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
    key = readFileSync(join(dir, 'key.pem'));
    cert = readFileSync(join(dir, 'cert.pem'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const seen: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    void relay(client, upstream).catch(() => {
      client.destroy();
      upstream.destroy();
    });
  });

  async function relay(client: Socket, upstream: Socket): Promise<void> {
    upstream.write(await readTpkt(client)); // X.224 connection request
    client.write(await readTpkt(upstream)); // connection confirm: TLS from here on
    const clientTls = new TLSSocket(client, { isServer: true, key, cert });
    const upstreamTls = tlsConnect({ socket: upstream, rejectUnauthorized: false });
    clientTls.on('data', (chunk: Buffer) => {
      seen.push(chunk);
      upstreamTls.write(chunk);
    });
    upstreamTls.on('data', (chunk: Buffer) => clientTls.write(chunk));
    for (const [from, to] of [
      [clientTls, upstreamTls],
      [upstreamTls, clientTls],
    ] as const) {
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    host: '127.0.0.1',
    port: address.port,
    certificateFingerprint: new X509Certificate(cert).fingerprint256,
    clientPlaintext: () => Buffer.concat(seen),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One TPKT packet (version 3, big-endian length in bytes 2–3); bytes after it are put back. */
function readTpkt(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const length = buffered.readUInt16BE(2);
      if (buffered[0] !== 3 || length < 4) return finish(new Error('not a TPKT packet'));
      if (buffered.length < length) return;
      finish(null, buffered.subarray(0, length));
      if (buffered.length > length) socket.unshift(buffered.subarray(length));
    };
    const onEnd = (): void => finish(new Error('closed during the negotiation'));
    const finish = (err: Error | null, packet?: Buffer): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      if (err) reject(err);
      else resolve(packet!);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  });
}
