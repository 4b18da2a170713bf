import { EventEmitter } from 'node:events';
import type { SessionUpdate } from '../../shared/live';

/**
 * The meeting point of the SSH (and later RDP) proxy and the HTTP side: the proxy registers each
 * live session here; routes find it to block, release or drop it, and live viewers subscribe to it.
 * Nothing here knows about SSH or HTTP.
 */
export interface TerminalScreen {
  kind?: 'terminal';
  cols: number;
  rows: number;
  /** Serialized terminal screen (escape sequences) that reproduces what the operator sees. */
  screen: string;
}

/** A remote desktop's screen; its updates come as 'output' too: encoded rectangle frames (src/shared/rdpWire.ts). */
export interface RasterScreen {
  kind: 'raster';
  width: number;
  height: number;
  /** The whole screen as one wire `screen` frame. */
  frame: Uint8Array;
}

export type LiveScreen = TerminalScreen | RasterScreen;

export type LiveEndReason = 'terminated' | 'dropped' | 'failed';

export interface LiveSessionEvents {
  output: [data: Buffer];
  resize: [cols: number, rows: number];
  interactivity: [blocked: boolean, by: string, at: Date];
  ended: [reason: LiveEndReason, at: Date, message: string | null];
}

/** What a protocol proxy implements for each live session. */
export interface LiveSession extends EventEmitter<LiveSessionEvents> {
  readonly sessionId: number;
  readonly operatorUserId: number;
  readonly startedAt: Date;
  readonly blocked: boolean;
  /**
   * The current screen, for a viewer joining late. Exact as of the call; the SSH proxy's terminal
   * emulation runs behind the bytes, so it may resolve later: subscribe to 'output' in the same
   * tick as the call, hold what arrives until it resolves, then send the snapshot and that output.
   */
  snapshot(): LiveScreen | Promise<LiveScreen>;
  /**
   * Blocks (true) or releases (false) the operator's input; output keeps flowing. The proxy shows
   * the operator the blocked notice and writes a marker into the recording. `by` is the author's login.
   */
  setBlocked(blocked: boolean, by: string): void;
  /** Ends both legs at once; the recording is closed cleanly. Resolves when both legs are closed. */
  drop(by: string): Promise<void>;
}

export class LiveHub extends EventEmitter<{ update: [SessionUpdate] }> {
  readonly #sessions = new Map<number, LiveSession>();

  add(session: LiveSession): void {
    this.#sessions.set(session.sessionId, session);
    session.once('ended', () => {
      if (this.#sessions.get(session.sessionId) === session) this.#sessions.delete(session.sessionId);
      this.notify(session.sessionId, 'finished');
    });
    session.on('interactivity', () => this.notify(session.sessionId, 'updated'));
    this.notify(session.sessionId, 'started');
  }

  get(sessionId: number): LiveSession | undefined {
    return this.#sessions.get(sessionId);
  }

  list(): LiveSession[] {
    return [...this.#sessions.values()];
  }

  /** Also used for changes that do not come from a live session (prevent purge, auditors…). */
  notify(sessionId: number, change: SessionUpdate['change']): void {
    this.emit('update', { type: 'session', sessionId, change });
  }

  /** Drops every live session (gateway shutdown). */
  async dropAll(by: string): Promise<void> {
    await Promise.allSettled(this.list().map((s) => s.drop(by)));
  }
}
