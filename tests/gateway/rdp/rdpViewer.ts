import { performance } from 'node:perf_hooks';
import { inflateRawSync } from 'node:zlib';
import WebSocket from 'ws';
import { Framebuffer } from '../../../src/shared/rdp/framebuffer';
import { decodeFrame } from '../../../src/shared/rdpWire';
import { apiCall, type HttpGateway } from '../../support/gatewayHttp';
import { waitFor } from '../../support/wait';

/**
 * An auditor's Live Stream of a remote desktop, as the desktop app reads it: the raster snapshot
 * (a JSON message, then the whole screen as one binary frame), then rectangles and state messages.
 */
export class RdpViewer {
  /** Null until the snapshot's screen arrived. */
  screen: Framebuffer | null = null;
  readonly messages: Record<string, unknown>[] = [];
  rects = 0;
  /** False: rectangles are counted, not drawn (benchmarks). */
  draw = true;
  /** Called with each rectangle as it arrives (benchmarks time them). */
  onRect: ((at: number) => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
        return;
      }
      const at = performance.now();
      const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (frame.kind === 'screen') {
        const screen = new Framebuffer(frame.width, frame.height);
        screen.pixels.set(inflateRawSync(frame.deflated));
        this.screen = screen;
        return;
      }
      this.rects++;
      this.onRect?.(at);
      if (!this.draw) return;
      try {
        this.screen?.apply(frame.rect);
      } catch {
        // kept as it was, as the app does
      }
    });
  }

  /** Opens session `id`'s Live Stream on `gateway` with `token`; resolves once the screen arrived. */
  static async watch(gateway: HttpGateway, token: string, id: number): Promise<RdpViewer> {
    const reply = await apiCall(gateway, 'POST', `/sessions/${id}/live-ticket`, token);
    if (reply.status !== 200) throw new Error(`live ticket: ${reply.status} ${reply.body}`);
    const { ticket } = JSON.parse(reply.body) as { ticket: string };
    const url = `${gateway.url.replace('https', 'wss')}/api/v1/sessions/${id}/live?ticket=${ticket}`;
    const viewer = new RdpViewer(new WebSocket(url, { rejectUnauthorized: false }));
    await waitFor(() => viewer.screen !== null, 'the late-join screen', 15_000);
    return viewer;
  }

  get snapshot(): Record<string, unknown> | undefined {
    return this.messages.find((m) => m.type === 'snapshot');
  }

  pixel(x: number, y: number): number[] {
    return [...this.screen!.readRegion(Math.floor(x), Math.floor(y), 1, 1)];
  }

  close(): void {
    this.ws.close();
  }
}
