import { API_PREFIX, SessionEventListSchema, SessionLogsSchema, SessionSchema } from '../../../shared/api';
import { GatewayError } from '../errors';
import type { GatewayClient } from '../gateway-client';
import { writeFileAtomic } from '../library/files';

/**
 * Saves what offline review needs besides the video: the session's info, its events and its logs.
 * A part the user may not read (403) is left out silently; the session info is required.
 */
export async function saveSnapshot(
  client: GatewayClient,
  token: string,
  sessionId: number,
  path: string,
  now: Date,
): Promise<void> {
  const base = `${API_PREFIX}/sessions/${sessionId}`;
  const session = await client.call('GET', base, SessionSchema, { token });
  const events = await unlessForbidden(
    client.call('GET', `${base}/events`, SessionEventListSchema, { token }),
  );
  const logs = await unlessForbidden(client.call('GET', `${base}/logs`, SessionLogsSchema, { token }));
  const snapshot = { version: 1, savedAt: now.toISOString(), session, events: events?.items ?? null, logs };
  await writeFileAtomic(path, `${JSON.stringify(snapshot, null, 2)}\n`);
}

async function unlessForbidden<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof GatewayError && error.status === 403) return null;
    throw error;
  }
}
