import WebSocket from 'ws';

export type Received = { kind: 'text'; json: Record<string, unknown> } | { kind: 'binary'; data: Buffer };

/**
 * A WebSocket client for tests against the gateway's self-signed HTTPS: every message is queued
 * and taken in order with `next()`; `closed` resolves with the close code and reason.
 */
export class TestSocket {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Status of a refused handshake (the gateway answered with HTTP instead of upgrading). */
  readonly refused: Promise<number>;
  readonly #queue: Received[] = [];
  readonly #waiters: ((m: Received) => void)[] = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { rejectUnauthorized: false, headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.refused = new Promise((resolve) => {
      this.ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const m: Received = isBinary
        ? { kind: 'binary', data }
        : { kind: 'text', json: JSON.parse(data.toString('utf8')) as Record<string, unknown> };
      const waiter = this.#waiters.shift();
      if (waiter === undefined) this.#queue.push(m);
      else waiter(m);
    });
    this.ws.on('error', () => undefined);
  }

  next(timeoutMs = 5000): Promise<Received> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  /** The next JSON message (fails on binary). */
  async nextJson(timeoutMs?: number): Promise<Record<string, unknown>> {
    const m = await this.next(timeoutMs);
    if (m.kind !== 'text') throw new Error(`expected a JSON message, got ${m.data.length} binary bytes`);
    return m.json;
  }

  /** Skips output (binary frames) up to the next JSON message, which must be of `type`. */
  async nextControl(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      if (m.kind === 'binary') continue;
      if (m.json.type !== type) throw new Error(`expected a ${type} message, got ${JSON.stringify(m.json)}`);
      return m.json;
    }
  }

  /** Reads binary frames until their text contains `text`; returns everything read. */
  async readUntil(text: string, timeoutMs = 5000): Promise<string> {
    let seen = '';
    const deadline = Date.now() + timeoutMs;
    while (!seen.includes(text)) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      if (m.kind === 'binary') seen += m.data.toString('utf8');
    }
    return seen;
  }

  /** Messages received and not taken yet. */
  get queued(): number {
    return this.#queue.length;
  }

  close(): void {
    this.ws.close();
  }
}
