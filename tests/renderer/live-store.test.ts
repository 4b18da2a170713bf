import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import { useLiveStore, type TerminalFrame } from '../../src/renderer/src/stores/live';
import type { LiveStreamHandle } from '../../src/shared/ipc';
import { ok, type Result } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState, makeSession } from './support/fixtures';
import { base64 } from './support/liveMount';
import { freshPinia, settle } from './support/mount';

const session = (id: number) => makeSession(id, { status: 'live' });

describe('live store', () => {
  let fake: FakeVigil;
  let streams: number;

  beforeEach(() => {
    streams = 0;
    fake = installFakeVigil({
      'live:open': (sessionId) => ok({ streamId: `s${++streams}`, sessionId }),
      'live:close': () => ok(null),
    });
    freshPinia();
    Object.assign(useAuthStore(), { state: authState, phase: 'signedIn' });
  });

  afterEach(() => useLiveStore().dispose());

  it('opening another session closes the stream shown before', async () => {
    const live = useLiveStore();
    await live.open(session(3));
    await live.open(session(6));
    expect(fake.argsOf('live:open')).toEqual([[3], [6]]);
    expect(fake.argsOf('live:close')).toEqual([['s1']]);
    expect(live.streamId).toBe('s2');
    expect(live.session?.id).toBe(6);
  });

  it('a stream whose open answers after close is closed at once and changes nothing', async () => {
    let answer: (value: Result<LiveStreamHandle>) => void = () => undefined;
    fake.handlers['live:open'] = () => new Promise((resolve) => (answer = resolve));
    const live = useLiveStore();
    const opening = live.open(session(3));
    await settle(1);
    await live.close();
    answer(ok({ streamId: 'late', sessionId: 3 }));
    await opening;
    await settle(1);
    expect(fake.argsOf('live:close')).toEqual([['late']]);
    expect(live.phase).toBe('idle');
    expect(live.streamId).toBeNull();
  });

  it('keeps frames for a terminal that mounts later, from the newest snapshot on', async () => {
    const live = useLiveStore();
    await live.open(session(3));
    const snapshot = (screen: string) => ({
      type: 'snapshot' as const,
      cols: 80,
      rows: 24,
      screen,
      blocked: false,
      startedAt: new Date().toISOString(),
    });
    fake.emit('live:message', { streamId: 's1', message: snapshot('old') });
    fake.emit('live:output', { streamId: 's1', data: base64('lost') });
    fake.emit('live:message', { streamId: 's1', message: snapshot('new') });
    fake.emit('live:output', { streamId: 's1', data: base64('é') });
    const frames: TerminalFrame[] = [];
    live.attach((frame) => frames.push(frame));
    expect(frames).toEqual([
      { kind: 'snapshot', cols: 80, rows: 24, screen: 'new' },
      { kind: 'output', bytes: new Uint8Array([0xc3, 0xa9]) },
    ]);
    fake.emit('live:message', { streamId: 's1', message: { type: 'resize', cols: 100, rows: 30 } });
    expect(frames.at(-1)).toEqual({ kind: 'resize', cols: 100, rows: 30 });
  });

  it('stops the elapsed clock at the end of the session', async () => {
    const live = useLiveStore();
    await live.open(session(3));
    fake.emit('live:message', {
      streamId: 's1',
      message: {
        type: 'snapshot',
        cols: 80,
        rows: 24,
        screen: '',
        blocked: false,
        startedAt: '2026-01-01T10:00:00.000Z',
      },
    });
    fake.emit('live:message', {
      streamId: 's1',
      message: { type: 'ended', reason: 'failed', at: '2026-01-01T10:42:05.000Z', message: 'Target gone' },
    });
    expect(live.phase).toBe('ended');
    expect(live.elapsedMs).toBe(42 * 60_000 + 5_000);
    expect(live.ended).toEqual({ reason: 'failed', at: '2026-01-01T10:42:05.000Z', message: 'Target gone' });
    expect(live.canBlock).toBe(false);
    expect(live.canDrop).toBe(false);
  });

  it('dispose closes the stream and stops listening', async () => {
    const live = useLiveStore();
    await live.open(session(3));
    expect(fake.listenerCount('live:output')).toBe(1);
    live.dispose();
    await settle(1);
    expect(fake.argsOf('live:close')).toEqual([['s1']]);
    expect(fake.listenerCount('live:output')).toBe(0);
  });
});
