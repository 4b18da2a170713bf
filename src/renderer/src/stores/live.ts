import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Session } from '@shared/api';
import type { IpcEvents } from '@shared/ipc';
import type { LiveServerMessage } from '@shared/live';
import type { AppError, Result } from '@shared/result';
import { api, onEvent } from '../api';
import { useAuthStore } from './auth';

/**
 * What the viewer draws, in order: the first screen, then output and size changes. A remote
 * desktop starts with `desktop` (its size); its output is encoded rectangles and screens.
 */
export type TerminalFrame =
  | { kind: 'snapshot'; cols: number; rows: number; screen: string }
  | { kind: 'desktop'; width: number; height: number }
  | { kind: 'output'; bytes: Uint8Array }
  | { kind: 'resize'; cols: number; rows: number };

export type LivePhase = 'idle' | 'connecting' | 'live' | 'ended' | 'lost' | 'failed';

type EndReason = Extract<LiveServerMessage, { type: 'ended' }>['reason'];

type StreamEvent =
  | { event: 'live:message'; payload: IpcEvents['live:message'] }
  | { event: 'live:output'; payload: IpcEvents['live:output'] }
  | { event: 'live:closed'; payload: IpcEvents['live:closed'] };

/** Frames kept for a terminal that is not mounted yet; beyond this the oldest output is dropped. */
const MAX_WAITING_FRAMES = 5_000;

function decodeBase64(data: string): Uint8Array {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The Live Stream viewer's state. The renderer never sees a token or ticket: it asks
 * main to open a stream for a session and gets a stream id; frames then arrive as events tagged
 * with that id. Terminal bytes bypass reactivity: they go straight to the terminal's sink.
 */
export const useLiveStore = defineStore('live', () => {
  const auth = useAuthStore();

  const session = ref<Session | null>(null);
  const streamId = ref<string | null>(null);
  const phase = ref<LivePhase>('idle');
  const blocked = ref(false);
  const blockedBy = ref<string | null>(null);
  const blockedAt = ref<string | null>(null);
  const startedAt = ref<string | null>(null);
  const size = ref<{ cols: number; rows: number } | null>(null);
  /** Set for a remote desktop (RDP): its screen size. */
  const desktop = ref<{ width: number; height: number } | null>(null);
  const ended = ref<{ reason: EndReason; at: string; message: string | null } | null>(null);
  const closed = ref<{ code: number; reason: string } | null>(null);
  const error = ref<AppError | null>(null);
  const busy = ref<'interactivity' | 'drop' | null>(null);
  /** Ticks every second while the stream is open, so the elapsed time moves. */
  const now = ref(Date.now());

  const sink = shallowRef<((frame: TerminalFrame) => void) | null>(null);
  let waiting: TerminalFrame[] = [];
  /** Events that came while 'live:open' was still answering: they may belong to the new stream. */
  let early: StreamEvent[] | null = null;
  let opening = 0;
  let clock: ReturnType<typeof setInterval> | null = null;
  let unsubscribe: Array<() => void> = [];

  const elapsedMs = computed(() => {
    const start = startedAt.value ?? session.value?.startedAt ?? null;
    if (start === null) return 0;
    const end = ended.value?.at ?? session.value?.endedAt ?? null;
    return Math.max(0, (end === null ? now.value : Date.parse(end)) - Date.parse(start));
  });
  const can = (action: 'interactivity' | 'drop') => session.value?.allowedActions.includes(action) ?? false;
  /** The session itself is over (not just this stream): it ended, or the row says finished. */
  const over = computed(() => phase.value === 'ended' || session.value?.status === 'finished');
  const droppedBy = computed(() => {
    const reason = session.value?.endReason;
    return reason?.kind === 'dropped' ? (reason.by ?? null) : null;
  });
  const canBlock = computed(() => phase.value === 'live' && can('interactivity'));
  const canDrop = computed(() => phase.value === 'live' && can('drop'));

  function draw(frame: TerminalFrame): void {
    if (sink.value) {
      sink.value(frame);
      return;
    }
    if (frame.kind === 'snapshot') waiting = [];
    waiting.push(frame);
    if (waiting.length > MAX_WAITING_FRAMES) waiting.splice(1, waiting.length - MAX_WAITING_FRAMES);
  }

  /** The terminal registers here; frames that came before it mounted are drawn first. */
  function attach(listener: (frame: TerminalFrame) => void): () => void {
    sink.value = listener;
    const pending = waiting;
    waiting = [];
    for (const frame of pending) listener(frame);
    return () => {
      if (sink.value === listener) sink.value = null;
    };
  }

  function startClock(): void {
    now.value = Date.now();
    clock ??= setInterval(() => (now.value = Date.now()), 1000);
  }

  function stopClock(): void {
    if (clock !== null) clearInterval(clock);
    clock = null;
    now.value = Date.now();
  }

  function applyMessage(message: LiveServerMessage): void {
    switch (message.type) {
      case 'snapshot':
        phase.value = 'live';
        blocked.value = message.blocked;
        startedAt.value = message.startedAt;
        now.value = Date.now();
        if ('kind' in message) {
          desktop.value = { width: message.width, height: message.height };
          draw({ kind: 'desktop', width: message.width, height: message.height });
          return;
        }
        size.value = { cols: message.cols, rows: message.rows };
        draw({ kind: 'snapshot', cols: message.cols, rows: message.rows, screen: message.screen });
        return;
      case 'resize':
        size.value = { cols: message.cols, rows: message.rows };
        draw({ kind: 'resize', cols: message.cols, rows: message.rows });
        return;
      case 'interactivity':
        blocked.value = message.blocked;
        blockedBy.value = message.blocked ? message.by : null;
        blockedAt.value = message.blocked ? message.at : null;
        return;
      case 'ended':
        ended.value = { reason: message.reason, at: message.at, message: message.message };
        phase.value = 'ended';
        stopClock();
        // The socket says it was dropped but not by whom: the finished row does.
        if (message.reason === 'dropped') void refreshSession();
        return;
    }
  }

  async function refreshSession(): Promise<void> {
    const target = session.value;
    if (target === null || target.endReason !== undefined) return;
    const result = await auth.run(() => api.getSession(target.id));
    if (result.ok && session.value?.id === target.id) session.value = result.value;
  }

  function apply(item: StreamEvent): void {
    if (item.payload.streamId !== streamId.value) return;
    if (item.event === 'live:message') applyMessage(item.payload.message);
    else if (item.event === 'live:output') draw({ kind: 'output', bytes: decodeBase64(item.payload.data) });
    else {
      closed.value = { code: item.payload.code, reason: item.payload.reason };
      streamId.value = null;
      if (phase.value !== 'ended') phase.value = 'lost';
      stopClock();
    }
  }

  function receive(item: StreamEvent): void {
    if (early !== null) early.push(item);
    else apply(item);
  }

  function listen(): void {
    if (unsubscribe.length > 0) return;
    unsubscribe = [
      onEvent('live:message', (payload) => receive({ event: 'live:message', payload })),
      onEvent('live:output', (payload) => receive({ event: 'live:output', payload })),
      onEvent('live:closed', (payload) => receive({ event: 'live:closed', payload })),
    ];
  }

  function reset(): void {
    streamId.value = null;
    phase.value = 'idle';
    blocked.value = false;
    blockedBy.value = null;
    blockedAt.value = null;
    startedAt.value = null;
    size.value = null;
    desktop.value = null;
    ended.value = null;
    closed.value = null;
    error.value = null;
    busy.value = null;
    waiting = [];
    stopClock();
  }

  /** Opens the Live Stream of a session (closing the one shown before). */
  async function open(target: Session): Promise<Result<unknown>> {
    await close();
    listen();
    session.value = target;
    blocked.value = target.blocked;
    phase.value = 'connecting';
    startClock();
    const attempt = ++opening;
    early = [];
    const result = await auth.run(() => api.openLive(target.id));
    if (attempt !== opening) {
      // Closed or replaced while connecting: this stream is nobody's any more.
      if (result.ok) void api.closeLive(result.value.streamId);
      return result;
    }
    const buffered = early;
    early = null;
    if (!result.ok) {
      error.value = result.error;
      phase.value = 'failed';
      stopClock();
      return result;
    }
    streamId.value = result.value.streamId;
    for (const item of buffered) apply(item);
    return result;
  }

  /** Closes the stream and forgets the session shown. */
  async function close(): Promise<void> {
    opening += 1;
    early = null;
    const id = streamId.value;
    reset();
    session.value = null;
    if (id !== null) await api.closeLive(id);
  }

  /** "Hold on!" (true) or Release (false). */
  async function setBlocked(next: boolean): Promise<Result<Session>> {
    const target = session.value;
    if (target === null)
      return { ok: false, error: { code: 'NOT_OPEN', message: 'No live session is open' } };
    busy.value = 'interactivity';
    const result = await auth.run(() => api.setInteractivity(target.id, next));
    busy.value = null;
    if (result.ok && session.value?.id === target.id) {
      session.value = result.value;
      blocked.value = result.value.blocked;
      if (!result.value.blocked) {
        blockedBy.value = null;
        blockedAt.value = null;
      }
    }
    return result;
  }

  /** Drops the session (the caller asked for confirmation); the socket then reports the end. */
  async function drop(): Promise<Result<Session>> {
    const target = session.value;
    if (target === null)
      return { ok: false, error: { code: 'NOT_OPEN', message: 'No live session is open' } };
    busy.value = 'drop';
    const result = await auth.run(() => api.dropSession(target.id));
    busy.value = null;
    if (result.ok && session.value?.id === target.id) session.value = result.value;
    return result;
  }

  /** Stops listening (tests, or a renderer being torn down). */
  function dispose(): void {
    void close();
    for (const stop of unsubscribe) stop();
    unsubscribe = [];
  }

  return {
    session,
    streamId,
    phase,
    blocked,
    blockedBy,
    blockedAt,
    startedAt,
    size,
    desktop,
    ended,
    closed,
    error,
    busy,
    elapsedMs,
    over,
    droppedBy,
    canBlock,
    canDrop,
    open,
    close,
    attach,
    setBlocked,
    drop,
    dispose,
  };
});
