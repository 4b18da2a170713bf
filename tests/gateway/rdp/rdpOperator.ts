import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Framebuffer, type BitmapRect } from '../../../src/shared/rdp/framebuffer';
import { decodeFrame, type RdpClientMessage } from '../../../src/shared/rdpWire';
import { typeText } from '../../../src/gateway/rdp/scancodes';
import { apiCall, type HttpGateway } from '../../support/gatewayHttp';
import { waitFor } from '../../support/wait';
import { XTERM_BACKGROUND } from '../../support/xrdpTestbed';

/** The testbed's xterm background as RGBA. */
export const BACKGROUND_RGBA = [...[1, 3, 5].map((i) => parseInt(XTERM_BACKGROUND.slice(i, i + 2), 16)), 255];

export interface DesktopRequest {
  target: string;
  account: string;
  width: number;
  height: number;
}

/**
 * An operator's page as the gateway sees it, over the page's own socket protocol: it asks for a
 * desktop, keeps every rectangle it gets (with when it got it) drawn on its own copy of the screen,
 * keeps the JSON messages, and types through set-1 scancodes as the page does.
 */
export class RdpOperator {
  readonly screen: Framebuffer;
  /** Every rectangle received, in order, with performance.now() at arrival. */
  readonly rects: { at: number; rect: BitmapRect }[] = [];
  readonly messages: Record<string, unknown>[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Called with each rectangle as it arrives (benchmarks time them). */
  onRect: ((at: number) => void) | null = null;
  keepRects = true;
  /** False: rectangles are counted, not drawn (benchmarks, once the desktop is up). */
  draw = true;
  /** Rectangles and their bytes received so far. */
  received = { rects: 0, bytes: 0 };

  private constructor(
    readonly ws: WebSocket,
    request: DesktopRequest,
  ) {
    this.screen = new Framebuffer(request.width, request.height);
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
        return;
      }
      const at = performance.now();
      this.received.rects++;
      this.received.bytes += data.length;
      this.onRect?.(at);
      if (!this.draw && !this.keepRects) return;
      const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (frame.kind !== 'rect') return;
      const rect = { ...frame.rect, data: frame.rect.data.slice() };
      if (this.keepRects) this.rects.push({ at, rect });
      if (this.draw) applyAsThePageDoes(this.screen, rect);
    });
  }

  /** Logs in as `login`, gets a ticket, opens the page's socket and asks for `request`. */
  static async open(
    gateway: HttpGateway,
    login: { username: string; password: string },
    request: DesktopRequest,
  ): Promise<RdpOperator> {
    const auth = await apiCall(gateway, 'POST', '/auth/login', undefined, login);
    if (auth.status !== 200) throw new Error(`login ${login.username}: ${auth.status} ${auth.body}`);
    const token = (JSON.parse(auth.body) as { token: string }).token;
    const reply = await apiCall(gateway, 'POST', '/rdp/ticket', token, {});
    if (reply.status !== 200) throw new Error(`RDP ticket: ${reply.status} ${reply.body}`);
    const { ticket } = JSON.parse(reply.body) as { ticket: string };
    const ws = new WebSocket(`${gateway.url.replace('https', 'wss')}/rdp/ws?ticket=${ticket}`, {
      rejectUnauthorized: false,
    });
    const operator = new RdpOperator(ws, request);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const connect: RdpClientMessage = { type: 'connect', ...request };
    ws.send(JSON.stringify(connect));
    return operator;
  }

  /** The first message of `type` (or fails on a refusal), waiting up to `timeoutMs`. */
  async message(type: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await waitFor(
      () => {
        found = this.messages.find((m) => m.type === type || m.type === 'refused');
        return found !== undefined;
      },
      () => `a ${type} message (got ${JSON.stringify(this.messages)})`,
      timeoutMs,
    );
    if (found!.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(found)}`);
    return found!;
  }

  /** The session id once the desktop is open and its xterm is drawn (typed keys reach the shell). */
  async ready(timeoutMs = 30_000): Promise<number> {
    const ready = await this.message('ready', timeoutMs);
    await this.waitForPixel(this.screen.width / 2, this.screen.height / 2, BACKGROUND_RGBA, timeoutMs);
    return Number(ready.sessionId);
  }

  pixel(x: number, y: number): number[] {
    return [...this.screen.readRegion(Math.floor(x), Math.floor(y), 1, 1)];
  }

  waitForPixel(x: number, y: number, rgba: readonly number[], timeoutMs = 15_000): Promise<void> {
    return waitFor(
      () => this.pixel(x, y).every((v, i) => v === rgba[i]),
      () => `pixel ${x},${y} to be ${rgba.join(',')} (it is ${this.pixel(x, y).join(',')})`,
      timeoutMs,
    );
  }

  /** Types `line` and Enter on a US layout, as physical keys. */
  typeLine(line: string): void {
    this.send(typeText(`${line}\n`).map((key) => ({ type: 'key' as const, ...key })));
  }

  click(x: number, y: number, button: 1 | 2 | 3 = 1): void {
    this.send([
      { type: 'pointer', x, y, button: 0, down: false },
      { type: 'pointer', x, y, button, down: true },
      { type: 'pointer', x, y, button, down: false },
    ]);
  }

  send(messages: Exclude<RdpClientMessage, { type: 'connect' }>[]): void {
    for (const message of messages) this.ws.send(JSON.stringify(message));
  }

  /** The screen after the first `count` rectangles received, drawn afresh. */
  screenAfter(count: number): Framebuffer {
    const screen = new Framebuffer(this.screen.width, this.screen.height);
    for (const { rect } of this.rects.slice(0, count)) applyAsThePageDoes(screen, rect);
    return screen;
  }

  close(): void {
    this.ws.close();
  }
}

/** A rectangle the decoder refuses leaves the screen as it was (as on the page and in the recording). */
function applyAsThePageDoes(screen: Framebuffer, rect: BitmapRect): void {
  try {
    screen.apply(rect);
  } catch {
    // kept as it was
  }
}
