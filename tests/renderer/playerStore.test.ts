import { beforeEach, describe, expect, it } from 'vitest';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import type { TerminalFrame } from '../../src/renderer/src/stores/live';
import { useNavigationStore } from '../../src/renderer/src/stores/navigation';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import { fail } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState, makeSession } from './support/fixtures';
import { freshPinia, settle, waitFor } from './support/mount';
import { downloadStatus, makePlayerFixture, playerHandlers, type PlayerFixture } from './support/player';

const decoder = new TextDecoder();

describe('the player store', () => {
  let fixture: PlayerFixture;
  let fake: FakeVigil;
  let frames: TerminalFrame[];
  const session = makeSession(7);

  beforeEach(() => {
    fixture = makePlayerFixture(7);
    fake = installFakeVigil(playerHandlers(fixture));
    freshPinia();
    const auth = useAuthStore();
    auth.state = authState;
    auth.phase = 'signedIn';
    frames = [];
  });

  const written = () =>
    frames
      .map((f) =>
        f.kind === 'output' ? decoder.decode(f.bytes) : f.kind === 'snapshot' ? `[${f.screen}]` : '',
      )
      .join('');

  async function openReady() {
    const store = usePlayerStore();
    store.attach((frame) => frames.push(frame));
    await store.open(session);
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', bytes: 2048, itemId: 'item-1' }));
    await waitFor(() => store.phase === 'ready' && !store.seeking, 'the player to open');
    return store;
  }

  it('shows download progress, then opens the library item once the download is done', async () => {
    const store = usePlayerStore();
    await store.open(session);
    expect(useNavigationStore().view).toBe('video');
    expect(fake.argsOf('downloads:start')).toEqual([[7]]);
    fake.emit('downloads:progress', downloadStatus(7, { bytes: 1024, rate: 512, etaSeconds: 2 }));
    fake.emit('downloads:progress', downloadStatus(8, { downloadId: 'other', bytes: 99 }));
    expect(store.download?.bytes).toBe(1024);
    expect(store.phase).toBe('downloading');
    expect(fake.argsOf('player:open')).toEqual([]);
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', bytes: 2048, itemId: 'item-1' }));
    await waitFor(() => store.phase === 'ready', 'the player to open');
    expect(fake.argsOf('player:open')).toEqual([[{ itemId: 'item-1' }]]);
    expect(store.item?.verification.status).toBe('verified');
    await waitFor(() => fake.argsOf('player:screenAt').length === 1, 'the first screen');
    expect(fake.argsOf('player:screenAt')[0]).toEqual([{ playerId: 'pl-1', atMs: 0 }]);
  });

  it('waits for the user to trust an unknown signing key before opening', async () => {
    fixture.key = { ...fixture.key, trusted: false };
    const store = usePlayerStore();
    await store.open(session);
    await waitFor(() => store.keyPrompt !== null, 'the key prompt');
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', itemId: 'item-1' }));
    await settle();
    expect(store.phase).toBe('downloading');
    await store.trustKey();
    expect(fake.argsOf('profiles:trustSigningKey')).toEqual([
      [{ profileId: 'p1', keyId: fixture.key.keyId }],
    ]);
    await waitFor(() => store.phase === 'ready', 'the player to open');
  });

  it('a failed download says so and retrying starts it again', async () => {
    const store = usePlayerStore();
    await store.open(session);
    fake.emit(
      'downloads:progress',
      downloadStatus(7, { state: 'failed', error: { code: 'NETWORK', message: 'reset' } }),
    );
    expect(store.phase).toBe('failed');
    expect(store.error?.code).toBe('NETWORK');
    await store.retry();
    expect(fake.argsOf('downloads:start')).toHaveLength(2);
    expect(store.phase).toBe('downloading');
  });

  it('a download refused by the gateway is an error, not a stuck progress bar', async () => {
    fake.handlers['downloads:start'] = () => fail('FORBIDDEN', 'no recording permission');
    const store = usePlayerStore();
    await store.open(session);
    expect(store.phase).toBe('failed');
  });

  it('plays: output is written as the clock reaches it, at the chosen speed', async () => {
    const store = await openReady();
    await store.play();
    store.pause();
    store.playing = true; // driven by hand below, without the timer
    await waitFor(() => fake.argsOf('player:events').length >= 2, 'the first pages');
    await settle();
    store.tick(1500);
    expect(store.currentMs).toBe(1500);
    expect(written()).toBe('[]login ok\r\n');
    store.setSpeed(2);
    store.tick(500);
    expect(store.currentMs).toBe(2500);
    expect(written()).toContain('$ uptime');
    expect(written()).not.toContain('up 3 days');
    expect(fake.argsOf('library:reportPlay')).toEqual([['item-1']]);
  });

  it('skip idle jumps over the silence while playing', async () => {
    const store = await openReady();
    store.skipIdle = true;
    await store.seek(2900);
    store.playing = true;
    await waitFor(
      () => fake.argsOf('player:events').some(([input]) => input.toMs >= 19_000),
      'pages past the gap',
    );
    await settle();
    store.tick(200);
    expect(store.currentMs).toBe(19_000);
    expect(written()).toContain('up 3 days');
    expect(written()).not.toContain('sudo');
  });

  it('next and previous marker seek to the markers around the current time', async () => {
    const store = await openReady();
    await store.goToNextMarker();
    expect(fake.argsOf('player:screenAt').at(-1)).toEqual([{ playerId: 'pl-1', atMs: 2000 }]);
    await store.goToNextMarker();
    expect(store.currentMs).toBe(20_000);
    await store.goToPreviousMarker();
    expect(store.currentMs).toBe(2000);
    expect(written()).toContain('[login ok\r\n$ uptime\r\n]');
  });

  it('a search hit jumps to the time its line was shown', async () => {
    const store = await openReady();
    store.query = 'WHOAMI';
    await store.search();
    expect(store.hits).toEqual([{ atMs: 21_000, text: '# whoami' }]);
    await store.seek(store.hits[0]!.atMs);
    expect(fake.argsOf('player:screenAt').at(-1)).toEqual([{ playerId: 'pl-1', atMs: 21_000 }]);
  });

  it('reports the play once and releases the player on leaving', async () => {
    const store = await openReady();
    await store.play();
    store.pause();
    await store.play();
    store.pause();
    expect(fake.argsOf('library:reportPlay')).toHaveLength(1);
    store.close();
    expect(fake.argsOf('player:close')).toEqual([['pl-1']]);
    expect(useNavigationStore().view).toBe('sessions');
  });
});
