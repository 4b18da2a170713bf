import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface TlsIdentity {
  key: string;
  cert: string;
  /** SHA-256 fingerprint, AA:BB:… uppercase, as GatewayProfile.fingerprint stores it. */
  fingerprint: string;
}

export async function makeIdentity(): Promise<TlsIdentity> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export type Responder = (req: SeenRequest, res: ServerResponse) => void;

/** A real HTTPS server with a throwaway certificate that records every HTTP request it receives. */
export class RecordingTlsServer {
  readonly requests: SeenRequest[] = [];
  /** TCP connections accepted, whether or not a request followed. */
  connections = 0;
  private server: Server | null = null;

  constructor(
    private identity: TlsIdentity,
    private responder: Responder = (_req, res) => json(res, 200, { ok: true }),
  ) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  respond(responder: Responder): void {
    this.responder = responder;
  }

  async start(port = 0): Promise<this> {
    const server = createServer({ key: this.identity.key, cert: this.identity.cert }, (req, res) =>
      this.handle(req, res),
    );
    server.on('connection', () => (this.connections += 1));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  /** Restarts on the same port with another certificate, as a gateway whose TLS files were replaced. */
  async restartWith(identity: TlsIdentity): Promise<void> {
    const port = this.port;
    await this.stop();
    this.identity = identity;
    await this.start(port);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(seen);
      this.responder(seen, res);
    });
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
