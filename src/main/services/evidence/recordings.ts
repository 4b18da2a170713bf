import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { API_PREFIX } from '../../../shared/api';
import type { GatewayClient } from '../gateway-client';

export type GatewayCall = <T>(call: (client: GatewayClient, token: string) => Promise<T>) => Promise<T>;

/** A session's recording from the gateway into `stagingDir`, with the pinned client; cancellable. */
export async function downloadRecording(
  gateway: GatewayCall,
  sessionId: number,
  stagingDir: string,
  signal: AbortSignal,
): Promise<string> {
  await mkdir(stagingDir, { recursive: true, mode: 0o700 });
  const path = join(stagingDir, `session-${sessionId}.vrec`);
  const response = await gateway((client, token) =>
    client.open(`${API_PREFIX}/sessions/${sessionId}/recording`, { token }),
  );
  await pipeline(response, createWriteStream(path, { mode: 0o600 }), { signal });
  return path;
}
