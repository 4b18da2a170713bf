import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ensureDataDir, loadTls } from '../../src/gateway/datadir';
import type { ViewerLimits } from '../../src/gateway/live/viewers';
import { makeTempDir } from './gateway';
import { createTestGateway, type TestGateway } from './gatewayApp';
import { TestSocket } from './wsClient';

export interface ListeningGateway extends TestGateway {
  /** e.g. wss://127.0.0.1:41234 */
  wsUrl: string;
  /** Opens a WebSocket to an API path (`/api/v1/...`). */
  socket(path: string, headers?: Record<string, string>): TestSocket;
  /** POST /live-ticket as `token` and open the live socket of `sessionId` with it. */
  watch(sessionId: number, token: string): Promise<TestSocket>;
}

/** A test gateway that also listens on 127.0.0.1 over HTTPS (WebSockets need a real server). */
export async function createListeningGateway(
  options: { clock?: () => number; viewerLimits?: Partial<ViewerLimits> } = {},
): Promise<ListeningGateway> {
  const tlsDir = makeTempDir('vigil-tls-');
  const tls = await loadTls(ensureDataDir(tlsDir));
  const gw = await createTestGateway({ ...options, tls: { key: tls.key, cert: tls.cert } });
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (gw.app.server.address() as AddressInfo).port;
  const wsUrl = `wss://127.0.0.1:${port}`;
  const socket = (path: string, headers?: Record<string, string>) =>
    new TestSocket(`${wsUrl}${path}`, headers);
  return {
    ...gw,
    wsUrl,
    socket,
    watch: async (sessionId, token) => {
      const res = await gw.request({
        method: 'POST',
        url: `/api/v1/sessions/${sessionId}/live-ticket`,
        token,
      });
      if (res.statusCode !== 200) throw new Error(`live-ticket: ${res.statusCode} ${res.body}`);
      const { ticket } = res.json() as { ticket: string };
      return socket(`/api/v1/sessions/${sessionId}/live?ticket=${encodeURIComponent(ticket)}`);
    },
    close: async () => {
      await gw.close();
      rmSync(tlsDir, { recursive: true, force: true });
    },
  };
}
