import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import { ErrorBodySchema } from '../../shared/api';
import { GatewayError, NetworkError, describe } from './errors';
import type { EventSink } from './events';
import { asNetworkError, connectPinned as pinnedConnection, type CertificatePin } from './pinned-tls';

export type { CertificatePin } from './pinned-tls';

export interface GatewayClientOptions {
  profileId: string;
  /** Canonical base URL, https://host[:port]. */
  url: string;
  pin: CertificatePin;
  events: EventSink;
  /** Idle time after which a connection or response is given up. */
  timeoutMs?: number;
}

export type QueryValues = Record<string, string | number | boolean | undefined>;

export interface CallOptions {
  token?: string;
  body?: unknown;
  query?: QueryValues;
}

const JSON_LIMIT_BYTES = 32 * 1024 * 1024;
const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * HTTPS JSON client for one gateway. Each call opens its own TLS connection through
 * connectPinned (pinned-tls.ts), so the peer certificate is checked against the pinned fingerprint
 * before a single byte of the request (and so the token) is written.
 */
export class GatewayClient {
  readonly base: URL;
  readonly timeoutMs: number;

  constructor(private readonly options: GatewayClientOptions) {
    this.base = new URL(options.url);
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  /** Sends a JSON request and returns the parsed answer, checked against `schema`. */
  async call<S extends TSchema>(
    method: string,
    path: string,
    schema: S,
    options: CallOptions = {},
  ): Promise<Static<S>> {
    const response = await this.send(method, path, options);
    const text = (await readBody(response, JSON_LIMIT_BYTES)).toString('utf8');
    let data: unknown;
    try {
      data = text === '' ? null : JSON.parse(text);
    } catch {
      throw new GatewayError(
        response.statusCode ?? 0,
        'BAD_RESPONSE',
        `The gateway sent invalid JSON for ${method} ${path}`,
      );
    }
    if (!Value.Check(schema, data)) {
      const first = Value.Errors(schema, data)[0];
      const where = first ? ` (${first.instancePath || '/'} ${first.message})` : '';
      throw new GatewayError(
        response.statusCode ?? 0,
        'BAD_RESPONSE',
        `The gateway sent an unexpected answer for ${method} ${path}${where}`,
      );
    }
    return data;
  }

  /** Streams a GET response into `destination` (written to a temporary file, then renamed). */
  async download(path: string, destination: string, options: CallOptions = {}): Promise<number> {
    const response = await this.send('GET', path, options);
    const partial = `${destination}.part`;
    try {
      await pipeline(response, createWriteStream(partial, { mode: 0o600 }));
      const { size } = await stat(partial);
      await rename(partial, destination);
      return size;
    } catch (error) {
      await rm(partial, { force: true });
      throw error instanceof GatewayError || error instanceof NetworkError
        ? error
        : new NetworkError(`The download from the gateway failed: ${describe(error)}`);
    }
  }

  /**
   * A GET whose 2xx response body the caller reads itself (a resumable download sends Range and
   * If-Range); any other status becomes a GatewayError.
   */
  open(
    path: string,
    options: CallOptions & { headers?: Record<string, string> } = {},
  ): Promise<IncomingMessage> {
    return this.send('GET', path, options);
  }

  /** Resolves with a 2xx response whose body is not read yet; any other status becomes a GatewayError. */
  private async send(
    method: string,
    path: string,
    options: CallOptions & { headers?: Record<string, string> },
  ): Promise<IncomingMessage> {
    const socket = await this.connectPinned();
    const target = this.urlFor(path, options.query);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      host: this.base.host,
    };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest({
        method,
        path: `${target.pathname}${target.search}`,
        headers,
        createConnection: () => socket,
      });
      req.once('response', resolve);
      req.once('error', (error) => reject(asNetworkError(error, this.base.origin)));
      req.end(payload);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    throw await gatewayErrorFrom(response, method, path);
  }

  /** The absolute URL of a gateway path, with the defined query values set. */
  urlFor(path: string, query: QueryValues = {}): URL {
    const target = new URL(path, this.base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) target.searchParams.set(key, String(value));
    }
    return target;
  }

  /** A TLS connection to this gateway whose certificate matched the pin (or was pinned just now). */
  connectPinned(): Promise<TLSSocket> {
    const { profileId, pin, events } = this.options;
    return pinnedConnection({ profileId, url: this.base, pin, events, timeoutMs: this.timeoutMs });
  }
}

/** A non-2xx answer as a GatewayError, with the gateway's `{error:{code,message}}` when it sent one. */
export async function gatewayErrorFrom(
  response: IncomingMessage,
  method: string,
  path: string,
): Promise<GatewayError> {
  const status = response.statusCode ?? 0;
  let body: unknown = null;
  try {
    body = JSON.parse((await readBody(response, ERROR_BODY_LIMIT_BYTES)).toString('utf8'));
  } catch {
    // Not a JSON error body (a proxy page, a truncated answer): fall back to the status below.
  }
  if (Value.Check(ErrorBodySchema, body))
    return new GatewayError(status, body.error.code, body.error.message);
  return new GatewayError(
    status,
    `HTTP_${status}`,
    `The gateway answered ${method} ${path} with HTTP ${status}`,
  );
}

function readBody(response: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        response.destroy(new NetworkError(`The gateway answer is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.once('error', (error) =>
      reject(
        error instanceof NetworkError
          ? error
          : new NetworkError(`The gateway answer was cut off: ${describe(error)}`),
      ),
    );
  });
}
