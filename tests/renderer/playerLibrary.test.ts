import { beforeEach, describe, expect, it } from 'vitest';
import { IPC_ERROR } from '../../src/shared/ipc';
import { fail } from '../../src/shared/result';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import { useNavigationStore } from '../../src/renderer/src/stores/navigation';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState, makeSession } from './support/fixtures';
import { freshPinia, settle, waitFor } from './support/mount';
import { downloadStatus, makePlayerFixture, playerHandlers, type PlayerFixture } from './support/player';

describe('opening a video from the library or again from the list', () => {
  let fixture: PlayerFixture;
  let fake: FakeVigil;
  const session = makeSession(7);

  beforeEach(() => {
    fixture = makePlayerFixture(7);
    fake = installFakeVigil(playerHandlers(fixture));
    freshPinia();
  });

  function signIn(): void {
    const auth = useAuthStore();
    auth.state = authState;
    auth.phase = 'signedIn';
  }

  it('plays a library item signed out, without downloading, and Back returns to the library', async () => {
    useNavigationStore().show('library');
    const store = usePlayerStore();
    await store.openLibraryItem(fixture.item);
    expect(useNavigationStore().view).toBe('video');
    await waitFor(() => store.phase === 'ready' && !store.seeking, 'the player to open');
    expect(fake.argsOf('player:open')).toEqual([[{ itemId: 'item-1' }]]);
    expect(fake.argsOf('player:screenAt')[0]).toEqual([{ playerId: 'pl-1', atMs: 0 }]);
    expect(fake.argsOf('downloads:start')).toEqual([]);
    expect(fake.argsOf('profiles:signingKey')).toEqual([]);
    await store.play();
    store.pause();
    expect(fake.argsOf('library:reportPlay')).toEqual([['item-1']]);
    store.close();
    expect(useNavigationStore().view).toBe('library');
    expect(fake.argsOf('player:close')).toEqual([['pl-1']]);
  });

  it('a library copy is re-checked after its first screen, so an altered file is shown as altered', async () => {
    fixture.item = {
      ...fixture.item,
      verification: { ...fixture.item.verification, status: 'altered', reason: 'sha256 differs' },
    };
    const listed = {
      ...fixture.item,
      verification: { ...fixture.item.verification, status: 'verified' as const },
    };
    const store = usePlayerStore();
    await store.openLibraryItem(listed);
    await waitFor(() => store.item?.verification.status === 'altered', 'the re-check');
    expect(fake.argsOf('library:verify')).toEqual([['item-1']]);
    expect(store.phase).toBe('ready');
  });

  it('Video of a session already in the library plays that copy instead of downloading again', async () => {
    signIn();
    fixture.library = [
      { ...fixture.item, itemId: 'other-gateway', profileId: 'p2' },
      { ...fixture.item, itemId: 'other-session', sessionId: 8 },
      fixture.item,
    ];
    const store = usePlayerStore();
    await store.open(session);
    await waitFor(() => store.phase === 'ready', 'the player to open');
    expect(fake.argsOf('downloads:start')).toEqual([]);
    expect(fake.argsOf('player:open')).toEqual([[{ itemId: 'item-1' }]]);
    expect(store.session?.id).toBe(7);
    await store.play();
    expect(fake.argsOf('library:reportPlay')).toEqual([['item-1']]);
    store.close();
    expect(useNavigationStore().view).toBe('sessions');
  });

  it('a kept copy whose file is gone is replaced by a fresh download', async () => {
    signIn();
    fixture.library = [fixture.item];
    const handlers = playerHandlers(fixture);
    fake = installFakeVigil({
      ...handlers,
      'player:open': () => fail(IPC_ERROR.recordingUnreadable, 'recording.vrec is missing'),
    });
    const store = usePlayerStore();
    await store.open(session);
    expect(fake.argsOf('player:open')).toEqual([[{ itemId: 'item-1' }]]);
    expect(fake.argsOf('downloads:start')).toEqual([[7]]);
    expect(store.phase).toBe('downloading');
    expect(store.error).toBe(null);
  });

  it('a copy from another gateway profile does not count: the session is downloaded', async () => {
    signIn();
    fixture.library = [{ ...fixture.item, profileId: 'p2' }];
    const store = usePlayerStore();
    await store.open(session);
    expect(fake.argsOf('downloads:start')).toEqual([[7]]);
    expect(store.phase).toBe('downloading');
  });

  it('Back during a download leaves it running, and coming back joins it with its progress', async () => {
    signIn();
    const store = usePlayerStore();
    await store.open(session);
    fake.emit('downloads:progress', downloadStatus(7, { bytes: 512 }));
    store.close();
    expect(useNavigationStore().view).toBe('sessions');
    expect(fake.argsOf('downloads:cancel')).toEqual([]);

    fixture.downloads = [downloadStatus(7, { bytes: 1024, rate: 100 })];
    await store.open(session);
    expect(fake.argsOf('downloads:start')).toEqual([[7]]);
    expect(store.phase).toBe('downloading');
    expect(store.download?.bytes).toBe(1024);
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', bytes: 2048, itemId: 'item-1' }));
    await waitFor(() => store.phase === 'ready', 'the player to open');
  });

  it('only the Cancel button cancels the download', async () => {
    signIn();
    const store = usePlayerStore();
    await store.open(session);
    await store.cancelDownload();
    expect(fake.argsOf('downloads:cancel')).toEqual([['d-1']]);
    expect(useNavigationStore().view).toBe('sessions');
  });

  it('a progress answer older than the end does not take the player back to downloading', async () => {
    signIn();
    let answer: (() => void) | null = null;
    fake.handlers['downloads:start'] = (sessionId) =>
      new Promise((resolve) => {
        answer = () => resolve({ ok: true, value: downloadStatus(sessionId, { state: 'queued' }) });
      });
    const store = usePlayerStore();
    const opening = store.open(session);
    await waitFor(() => answer !== null, 'the download to be asked for');
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', bytes: 2048, itemId: 'item-1' }));
    answer!();
    await opening;
    await waitFor(() => store.phase === 'ready', 'the player to open');
    expect(store.download?.state).toBe('done');
  });

  it('the first search says it is preparing until main has read the session text', async () => {
    let answer: (() => void) | null = null;
    const search = fake.handlers['player:search']!;
    fake.handlers['player:search'] = (input) =>
      new Promise((resolve) => {
        answer = () => resolve(search(input));
      });
    const store = usePlayerStore();
    await store.openLibraryItem(fixture.item);
    await waitFor(() => store.phase === 'ready', 'the player to open');
    store.query = 'uptime';
    const first = store.search();
    await settle();
    expect(store.searchPreparing).toBe(true);
    answer!();
    await first;
    expect(store.searchPreparing).toBe(false);
    expect(store.hits).toHaveLength(1);
    store.query = 'whoami';
    const second = store.search();
    await settle();
    expect(store.searching).toBe(true);
    expect(store.searchPreparing).toBe(false);
    answer!();
    await second;
  });
});
