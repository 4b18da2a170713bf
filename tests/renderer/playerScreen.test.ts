import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import LiveTerminal from '../../src/renderer/src/components/live/LiveTerminal.vue';
import VideoScreen from '../../src/renderer/src/components/player/VideoScreen.vue';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import { fail } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { makeSession } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';
import { downloadStatus, makePlayerFixture, playerHandlers, type PlayerFixture } from './support/player';

const text = (testId: string) => requireTestId(testId).textContent?.replace(/\s+/g, ' ').trim() ?? '';
const all = (testId: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testId}"]`)];

describe('the Video of session screen', { timeout: 20_000 }, () => {
  let fixture: PlayerFixture;
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fixture = makePlayerFixture(7);
    fake = installFakeVigil(playerHandlers(fixture));
  });
  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function openScreen(locale: 'en' | 'pt-BR' = 'en') {
    const mounted = mountLive(VideoScreen, {}, { locale });
    wrapper = mounted.wrapper;
    const store = usePlayerStore(mounted.pinia);
    await store.open(makeSession(7));
    await settle();
    return store;
  }

  async function finishDownload() {
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', bytes: 2048, itemId: 'item-1' }));
    await waitFor(() => byTestId('player') !== null && byTestId('player-clock') !== null, 'the player');
    await settle();
  }

  it('shows the download with bytes, rate and time left, and Cancel goes back', async () => {
    const store = await openScreen();
    fake.emit('downloads:progress', downloadStatus(7, { bytes: 1024, rate: 512, etaSeconds: 2 }));
    await settle();
    expect(text('video-title')).toContain('#7');
    expect(text('video-download-progress')).toBe('1 KB of 2 KB · 512 B/s · about 2 s left');
    expect(requireTestId('video-download-bar').dataset.percent).toBe('50');
    requireTestId('video-download-cancel').click();
    await settle();
    expect(fake.argsOf('downloads:cancel')).toEqual([['d-1']]);
    expect(store.phase).toBe('idle');
  });

  it('asks to trust the signing key, showing its id, before playing', async () => {
    fixture.key = { ...fixture.key, trusted: false };
    await openScreen();
    await waitFor(() => byTestId('video-key-prompt') !== null, 'the key prompt');
    expect(text('video-key-id')).toBe(fixture.key.keyId);
    requireTestId('video-key-trust').click();
    await settle();
    expect(byTestId('video-key-prompt')).toBeNull();
    await finishDownload();
    expect(fake.argsOf('profiles:trustSigningKey')).toHaveLength(1);
  });

  it('renders the player controls, markers, activity and the time', async () => {
    await openScreen();
    await finishDownload();
    for (const id of [
      'player-play',
      'player-seek',
      'player-previous-marker',
      'player-next-marker',
      'player-speed',
      'player-skip-idle',
      'player-search-input',
    ])
      expect(byTestId(id), id).not.toBeNull();
    expect(all('player-marker').map((m) => m.dataset.at)).toEqual(['2000', '20000', '25000']);
    expect(requireTestId('player-activity').children).toHaveLength(6);
    expect(text('player-clock')).toBe('0:00 / 0:30');
    expect(requireTestId('player-verification').dataset.status).toBe('verified');
    all('player-marker')[1]!.click();
    await settle();
    expect(fake.argsOf('player:screenAt').at(-1)).toEqual([{ playerId: 'pl-1', atMs: 20_000 }]);
    expect(text('player-clock')).toBe('0:20 / 0:30');
  });

  it('search lists the hits and a click jumps to the hit', async () => {
    await openScreen();
    await finishDownload();
    const input = requireTestId('player-search-input') as HTMLInputElement;
    input.value = 'uptime';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    requireTestId('player-search').click();
    await settle();
    expect(all('player-hit').map((h) => h.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      '0:02$ uptime',
    ]);
    all('player-hit')[0]!.click();
    await settle();
    expect(fake.argsOf('player:screenAt').at(-1)).toEqual([{ playerId: 'pl-1', atMs: 2000 }]);
  });

  it('keyboard: space plays and pauses, ] speeds up, . goes to the next marker', async () => {
    const store = await openScreen();
    await finishDownload();
    const key = (k: string) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k }));
    key(']');
    expect(store.speed).toBe(2);
    key('.');
    await settle();
    expect(store.currentMs).toBe(2000);
    key(' ');
    await settle();
    expect(store.playing).toBe(true);
    key(' ');
    expect(store.playing).toBe(false);
  });

  it('a failed download says what to do, in pt-BR too', async () => {
    await openScreen('pt-BR');
    fake.emit(
      'downloads:progress',
      downloadStatus(7, { state: 'failed', error: { code: 'NETWORK', message: 'reset' } }),
    );
    await settle();
    expect(text('video-error')).toContain('Não foi possível baixar a gravação');
    expect(text('video-error')).toContain('continua de onde parou');
    requireTestId('video-retry').click();
    await settle();
    expect(fake.argsOf('downloads:start')).toHaveLength(2);
    expect(text('video-download')).toContain('Baixando a gravação');
  });

  it('dragging the seek bar seeks where it is let go', async () => {
    await openScreen();
    await finishDownload();
    const seek = requireTestId('player-seek') as HTMLInputElement;
    seek.value = '21000';
    seek.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    expect(text('player-clock')).toBe('0:21 / 0:30');
    seek.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(fake.argsOf('player:screenAt').at(-1)).toEqual([{ playerId: 'pl-1', atMs: 21_000 }]);
  });

  it('a recording that cannot be opened says so and offers to try again', async () => {
    fake.handlers['player:open'] = () => fail('LIBRARY_ITEM_NOT_FOUND', 'the file is gone');
    await openScreen();
    fake.emit('downloads:progress', downloadStatus(7, { state: 'done', itemId: 'item-1' }));
    await waitFor(() => byTestId('video-error') !== null, 'the error');
    expect(text('video-error')).toContain('The recording could not be opened');
    expect(byTestId('video-retry')).not.toBeNull();
  });

  it('a changed signing key is shown as an alarm', async () => {
    fake.handlers['profiles:signingKey'] = () => fail('SIGNING_KEY_CHANGED', 'another key');
    await openScreen();
    await waitFor(() => byTestId('video-key-changed') !== null, 'the alarm');
    expect(text('video-key-changed')).toContain('signing key changed');
    expect(byTestId('video-key-prompt')).toBeNull();
  });

  it('draws the screen at a time in the terminal and plays the output after it', async () => {
    const store = await openScreen();
    await finishDownload();
    const terminalText = () => wrapper!.findComponent(LiveTerminal).vm.text();
    await store.seek(2000);
    await waitFor(() => terminalText().includes('$ uptime'), 'the screen at 0:02');
    expect(terminalText()).not.toContain('up 3 days');
    store.playing = true; // the clock is moved by hand instead of the timer
    await waitFor(() => fake.argsOf('player:events').length > 0, 'a page of events');
    await settle();
    store.tick(1500);
    await waitFor(() => terminalText().includes('up 3 days'), 'the output played');
    store.pause();
  });

  it('the player speaks pt-BR', async () => {
    await openScreen('pt-BR');
    await finishDownload();
    expect(text('player-play')).toBe('Reproduzir');
    expect(text('video-back')).toBe('Voltar para Sessões remotas');
    expect(text('player-verification')).toContain('Assinatura verificada');
  });

  it('opened from the library it names the session from the item, and Back returns to the library', async () => {
    const mounted = mountLive(VideoScreen, {}, { locale: 'en' });
    wrapper = mounted.wrapper;
    const store = usePlayerStore(mounted.pinia);
    await store.openLibraryItem(fixture.item);
    await waitFor(() => byTestId('player') !== null, 'the player');
    expect(text('video-title')).toContain('#7');
    expect(requireTestId('video-title').nextElementSibling?.textContent).toBe('ops.bob on db-1.internal');
    expect(text('video-back')).toBe('Back to the library');
    expect(fake.argsOf('downloads:start')).toEqual([]);
  });

  it('while downloading it says Back keeps the download, and the first search says it is preparing', async () => {
    await openScreen();
    expect(text('video-download-background')).toContain('keeps the download running');
    let answer: (() => void) | null = null;
    const search = fake.handlers['player:search']!;
    fake.handlers['player:search'] = (input) =>
      new Promise((resolve) => (answer = () => resolve(search(input))));
    await finishDownload();
    const input = requireTestId('player-search-input') as HTMLInputElement;
    input.value = 'uptime';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    requireTestId('player-search').click();
    await waitFor(() => byTestId('player-search-preparing') !== null, 'the preparing note');
    expect(text('player-search-preparing')).toContain('Preparing search');
    answer!();
    await waitFor(() => all('player-hit').length === 1, 'the hit');
    expect(byTestId('player-search-preparing')).toBeNull();
  });
});
