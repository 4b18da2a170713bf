import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { API_PREFIX, LiveTicketSchema } from '../../shared/api';
import type { LiveStreamHandle } from '../../shared/ipc';
import { isLiveServerMessage, parseFrame } from '../../shared/live';
import type { AuthService } from './auth-service';
import { AppFailure, NotLoggedInError } from './errors';
import type { EventSink } from './events';
import { keepAlive, openGatewaySocket, toBuffer } from './gateway-socket';

export interface LiveServiceOptions {
  auth: AuthService;
  events: EventSink;
  /** Streams one app may hold at once (each is a socket to the gateway and a terminal on screen). */
  maxStreams?: number;
  heartbeatMs?: number;
}

interface Stream {
  id: string;
  socket: WebSocket;
  /** Output received but not yet pushed: frames arriving together travel as one event. */
  pending: Buffer[];
  pendingBytes: number;
  flushQueued: boolean;
}

/** A first screen can be large (a full-screen editor with colours); terminal output frames are small. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Output waiting for the next event is pushed at once beyond this size, bounding one event. */
const FLUSH_BYTES = 256 * 1024;
export const LIVE_STREAM_LIMIT = 'LIVE_STREAM_LIMIT';

const SESSIONS = `${API_PREFIX}/sessions`;

/**
 * Live Stream seen from the desktop app. The renderer asks 'live:open' with a session id
 * and gets back only a stream id; this process takes a live ticket with the login token, opens the
 * WebSocket and relays what the gateway sends as 'live:message' (JSON frames), 'live:output'
 * (terminal bytes, base64) and 'live:closed' events tagged with the stream id.
 *
 * Why the viewer connects this way:
 * - the renderer holds no long-lived credential: the token never leaves this process, and the
 *   ticket is taken here, used at once for the upgrade and never shown to the renderer (it is
 *   single-use and lives 30 s, so even a leaked one is worth almost nothing);
 * - the socket goes through GatewayClient.connectPinned, the one certificate check of the app, so
 *   a changed gateway certificate blocks the live view exactly as it blocks every HTTPS call (a
 *   browser-side WebSocket could not be pinned to a self-signed certificate at all);
 * - the renderer only sees IPC events, so the same code runs in Electron and behind the browser
 *   bridge, where these services run in a plain Node host.
 * Viewers are read-only: nothing but pings is ever sent on the socket. Every stream closes when the
 * login ends or changes.
 */
export class LiveService {
  private readonly streams = new Map<string, Stream>();
  private readonly maxStreams: number;
  private readonly heartbeatMs: number;
  /** Bumped on every login change, so a stream still connecting for the previous login is dropped. */
  private generation = 0;

  constructor(private readonly options: LiveServiceOptions) {
    this.maxStreams = options.maxStreams ?? 8;
    this.heartbeatMs = options.heartbeatMs ?? 20_000;
    options.auth.onSessionChange(() => {
      this.generation += 1;
      this.closeAll();
    });
  }

  /** Streams currently open, for diagnostics and tests. */
  get size(): number {
    return this.streams.size;
  }

  async open(sessionId: number): Promise<LiveStreamHandle> {
    if (this.streams.size >= this.maxStreams) {
      throw new AppFailure(
        LIVE_STREAM_LIMIT,
        `At most ${this.maxStreams} live streams can be open at once; close one first`,
      );
    }
    const generation = this.generation;
    // Only the ticket request carries the token: a 401 there means the login expired. A refused
    // ticket on the socket is the ticket's problem and must not log the user out.
    const { client, ticket } = await this.options.auth.withSession(async (client, token) => {
      const answer = await client.call('POST', `${SESSIONS}/${sessionId}/live-ticket`, LiveTicketSchema, {
        token,
      });
      return { client, ticket: answer.ticket };
    });
    const socket = await openGatewaySocket(client, `${SESSIONS}/${sessionId}/live`, {
      query: { ticket },
      maxPayload: MAX_FRAME_BYTES,
    });
    if (generation !== this.generation) {
      socket.terminate();
      throw new NotLoggedInError();
    }
    const stream: Stream = { id: randomUUID(), socket, pending: [], pendingBytes: 0, flushQueued: false };
    this.streams.set(stream.id, stream);
    socket.on('message', (data, isBinary) => this.receive(stream, data, isBinary));
    socket.once('close', (code, reason) => {
      this.flush(stream);
      this.streams.delete(stream.id);
      this.options.events('live:closed', { streamId: stream.id, code, reason: reason.toString('utf8') });
    });
    keepAlive(socket, this.heartbeatMs);
    socket.resume();
    return { streamId: stream.id, sessionId };
  }

  /** Closes one stream; closing one that already ended is not an error. */
  close(streamId: string): void {
    this.streams.get(streamId)?.socket.close(1000, 'Viewer closed');
  }

  closeAll(): void {
    for (const stream of this.streams.values()) stream.socket.close(1000, 'Signed out');
  }

  /** Drops every socket at once (the app or the bridge host is shutting down). */
  shutdown(): void {
    for (const stream of this.streams.values()) stream.socket.terminate();
  }

  private receive(stream: Stream, data: RawData, isBinary: boolean): void {
    const bytes = toBuffer(data);
    if (isBinary) {
      stream.pending.push(bytes);
      stream.pendingBytes += bytes.length;
      if (stream.pendingBytes >= FLUSH_BYTES) this.flush(stream);
      else if (!stream.flushQueued) {
        stream.flushQueued = true;
        setImmediate(() => this.flush(stream));
      }
      return;
    }
    // Unknown or malformed messages are skipped: a newer gateway may send types this app predates.
    const message = parseFrame(bytes.toString('utf8'), isLiveServerMessage);
    if (message === null) return;
    this.flush(stream);
    this.options.events('live:message', { streamId: stream.id, message });
  }

  /** Pushes pending output first, so events keep the order the gateway sent the frames in. */
  private flush(stream: Stream): void {
    stream.flushQueued = false;
    if (stream.pendingBytes === 0) return;
    const data = Buffer.concat(stream.pending, stream.pendingBytes).toString('base64');
    stream.pending = [];
    stream.pendingBytes = 0;
    this.options.events('live:output', { streamId: stream.id, data });
  }
}
