import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import type { WebSocket } from 'ws';
import { OPERATOR_MESSAGES } from '../../shared/messages';
import { Framebuffer } from '../../shared/rdp/framebuffer';
import {
  encodeRect,
  encodeScreenHeader,
  isRdpClientMessage,
  type RdpClientMessage,
  type RdpServerMessage,
} from '../../shared/rdpWire';
import type { LiveEndReason, LiveScreen, LiveSession, LiveSessionEvents } from '../live/hub';
import type { FinishedRecording, MarkerKind } from '../../recording';
import { sha256File } from '../../recording';
import type { RecordingFacts, SessionFacts, SessionLedger } from '../services/sessionLedger';
import type { Clock } from '../time';
import type { RdpBitmapRect, RdpCloseReason, RdpTargetConnection } from './targetConnection';

/** What an RDP session's recording takes: the target's rectangles, the operator's input, markers. */
export interface RasterRecorder {
  rect(rect: RdpBitmapRect): void;
  input(input: OperatorInput): void;
  marker(kind: MarkerKind, note: string): void;
  close(): Promise<FinishedRecording>;
}

export type OperatorInput = Exclude<RdpClientMessage, { type: 'connect' }>;

/** How an ended RDP session is closed and recorded. */
export interface Outcome {
  reason: LiveEndReason;
  /** Shown over the operator's screen before the socket closes. */
  operatorMessage: string | null;
  errorMessage: string | null;
  note: string;
  marker: { kind: MarkerKind; note: string } | null;
}

export interface RdpLiveSessionOptions {
  sessionId: number;
  facts: SessionFacts;
  startedAt: Date;
  operator: WebSocket;
  target: RdpTargetConnection;
  width: number;
  height: number;
  recorder: RasterRecorder;
  recordingPath: string;
  absoluteRecordingPath: string;
  ledger: SessionLedger;
  clock: Clock;
}

/** Socket close code for an ended session, so the page can tell it from a cut connection. */
const SESSION_ENDED = 4000;
const ABNORMAL_CLOSURE = 1006;

/**
 * One operator's remote desktop, live: the target's rectangles go to the operator's page, to live
 * viewers (as 'output' frames) and into the recording, and update the gateway's copy of the screen
 * that late joiners get at once. The operator's keys, pointer and wheel reach the target unless an
 * auditor holds the session; held input is dropped here, so it never runs on the target.
 */
export class RdpLiveSession extends EventEmitter<LiveSessionEvents> implements LiveSession {
  readonly sessionId: number;
  readonly operatorUserId: number;
  readonly startedAt: Date;
  readonly #screen: Framebuffer;
  #blocked = false;
  #droppedInput = 0;
  #ending: Promise<void> | null = null;

  constructor(private readonly options: RdpLiveSessionOptions) {
    super();
    this.sessionId = options.sessionId;
    this.operatorUserId = options.facts.userId;
    this.startedAt = options.startedAt;
    this.#screen = new Framebuffer(options.width, options.height);
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  /** Starts relaying; the operator's page is told the session is ready. */
  start(): void {
    const { operator, target } = this.options;
    target.on('bitmap', this.#onBitmap);
    target.once('closed', this.#onTargetClosed);
    operator.on('message', this.#onOperatorMessage);
    operator.once('close', this.#onOperatorClosed);
    // The operator may have left while the session row was written.
    if (operator.readyState !== operator.OPEN) return this.#onOperatorClosed();
    this.#tell({
      type: 'ready',
      sessionId: this.sessionId,
      width: this.#screen.width,
      height: this.#screen.height,
    });
  }

  snapshot(): LiveScreen {
    const { width, height, pixels } = this.#screen;
    const header = encodeScreenHeader(width, height);
    const deflated = deflateRawSync(pixels, { level: 1 });
    const frame = new Uint8Array(header.length + deflated.length);
    frame.set(header);
    frame.set(deflated, header.length);
    return { kind: 'raster', width, height, frame };
  }

  setBlocked(blocked: boolean, by: string): void {
    if (this.#ending !== null) throw new Error(`Session ${this.sessionId} has ended`);
    if (blocked === this.#blocked) return;
    this.#blocked = blocked;
    const at = new Date(this.options.clock());
    this.#noteDroppedInput();
    this.options.recorder.marker(blocked ? 'block' : 'release', by);
    this.#tell({
      type: 'interactivity',
      blocked,
      message: blocked ? OPERATOR_MESSAGES.blocked : OPERATOR_MESSAGES.released,
    });
    this.emit('interactivity', blocked, by, at);
  }

  drop(by: string): Promise<void> {
    return this.end({
      reason: 'dropped',
      operatorMessage: OPERATOR_MESSAGES.dropped,
      errorMessage: null,
      note: `Dropped by ${by}`,
      marker: { kind: 'drop', note: by },
    });
  }

  /** Ends the session once; later calls wait for the first. */
  end(outcome: Outcome): Promise<void> {
    this.#ending ??= this.#end(outcome);
    return this.#ending;
  }

  readonly #onBitmap = (rect: RdpBitmapRect): void => {
    if (this.#ending !== null) return;
    try {
      this.#screen.apply(rect);
    } catch {
      // A rectangle the decoder refuses still goes to the operator's page and the recording, as sent.
    }
    const frame = encodeRect(rect);
    this.options.recorder.rect(rect);
    if (this.options.operator.readyState === this.options.operator.OPEN) this.options.operator.send(frame);
    this.emit('output', Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  };

  readonly #onOperatorMessage = (data: Buffer, isBinary: boolean): void => {
    if (isBinary || this.#ending !== null) return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    const input = operatorInput(message);
    if (input === null) return;
    if (this.#blocked) {
      this.#droppedInput++;
      return;
    }
    const { target } = this.options;
    if (input.type === 'key') target.key(input.code, input.down, input.extended);
    else if (input.type === 'pointer') target.pointer(input.x, input.y, input.button, input.down);
    else target.wheel(input.x, input.y, input.step, input.negative, input.horizontal);
    this.options.recorder.input(input);
  };

  readonly #onOperatorClosed = (code?: number): void => {
    void this.end({
      reason: 'terminated',
      operatorMessage: null,
      errorMessage: null,
      // 1006: the socket went without a close frame (network cut, browser killed), not a goodbye.
      note:
        code === ABNORMAL_CLOSURE ? "The operator's connection was cut" : 'The operator closed the session',
      marker: null,
    });
  };

  readonly #onTargetClosed = (reason: RdpCloseReason): void => {
    if (reason.by === 'gateway') return;
    const target = this.options.facts.device;
    const lost = reason.by === 'error' ? `The connection to ${target} was lost: ${reason.error.message}` : '';
    void this.end({
      reason: reason.by === 'error' ? 'failed' : 'terminated',
      operatorMessage: reason.by === 'error' ? lost : 'The remote session ended',
      errorMessage: reason.by === 'error' ? lost : null,
      note: reason.by === 'error' ? lost : `${target} ended the session`,
      marker: reason.by === 'error' ? { kind: 'error', note: 'target connection lost' } : null,
    });
  };

  #noteDroppedInput(): void {
    if (this.#droppedInput === 0) return;
    this.options.recorder.marker('notice', `${this.#droppedInput} input events dropped while held`);
    this.#droppedInput = 0;
  }

  #tell(message: RdpServerMessage): void {
    const { operator } = this.options;
    if (operator.readyState === operator.OPEN) operator.send(JSON.stringify(message));
  }

  async #end(outcome: Outcome): Promise<void> {
    const o = this.options;
    const endedAt = Math.max(o.clock(), this.startedAt.getTime());
    o.target.off('bitmap', this.#onBitmap);
    o.operator.off('message', this.#onOperatorMessage);
    this.#noteDroppedInput();
    if (outcome.marker !== null) o.recorder.marker(outcome.marker.kind, outcome.marker.note);
    o.target.drop();
    this.#tell({ type: 'ended', reason: outcome.reason, message: outcome.operatorMessage });
    o.operator.close(SESSION_ENDED, outcome.reason);
    const recording = await this.#closeRecording();
    try {
      await o.ledger.finish(this.sessionId, o.facts, endedAt, {
        errorMessage: outcome.errorMessage ?? (recording.ok ? null : 'The session could not be recorded'),
        note: outcome.note,
        recording: recording.facts,
      });
    } catch {
      // The database refused (e.g. closed at shutdown): the next start finishes the row from the file.
    }
    this.emit('ended', outcome.reason, new Date(endedAt), outcome.operatorMessage);
  }

  async #closeRecording(): Promise<{ ok: boolean; facts: RecordingFacts | null }> {
    const o = this.options;
    try {
      const finished = await o.recorder.close();
      return { ok: true, facts: { path: o.recordingPath, size: finished.size, sha256: finished.sha256 } };
    } catch {
      try {
        const size = (await stat(o.absoluteRecordingPath)).size;
        return {
          ok: false,
          facts: { path: o.recordingPath, size, sha256: await sha256File(o.absoluteRecordingPath) },
        };
      } catch {
        return { ok: false, facts: null };
      }
    }
  }
}

/** The operator's input from a page message; null for anything else (a second `connect`, junk). */
function operatorInput(message: unknown): OperatorInput | null {
  return isRdpClientMessage(message) && message.type !== 'connect' ? message : null;
}
