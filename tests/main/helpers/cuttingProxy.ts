import { connect, createServer, type Server, type Socket } from 'node:net';

/** One proxied TCP connection: bytes the gateway sent through it so far. */
export interface ProxiedConnection {
  down: number;
}

/**
 * A TCP relay in front of the gateway (TLS passes through untouched, so the certificate pin still
 * holds). It can cut the next connection that carries more than N bytes toward the app, and it can
 * refuse every connection while the gateway should look unreachable.
 */
export interface CuttingProxy {
  url: string;
  connections: ProxiedConnection[];
  /** The next connection that brings more than `bytes` bytes is destroyed mid-transfer. */
  cutAfter(bytes: number): void;
  /** The next connection that brings more than `bytes` bytes stalls there (nothing more passes). */
  stallAfter(bytes: number): void;
  setReachable(reachable: boolean): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  let cutAt: number | null = null;
  let stallAt: number | null = null;
  let reachable = true;
  const connections: ProxiedConnection[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!reachable) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const record: ProxiedConnection = { down: 0 };
    connections.push(record);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    upstream.on('data', (chunk: Buffer) => {
      const before = record.down;
      record.down += chunk.length;
      if (cutAt !== null && record.down > cutAt) {
        // What came before the cut still reaches the app; nothing after it does.
        const head = chunk.subarray(0, Math.max(0, cutAt - before));
        cutAt = null;
        upstream.pause();
        client.write(head, drop);
        return;
      }
      if (stallAt !== null && record.down > stallAt) {
        stallAt = null;
        upstream.pause();
        upstream.removeAllListeners('data');
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    connections,
    cutAfter: (bytes) => {
      cutAt = bytes;
    },
    stallAfter: (bytes) => {
      stallAt = bytes;
    },
    setReachable: (value) => {
      reachable = value;
      if (!value) for (const socket of open) socket.destroy();
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
