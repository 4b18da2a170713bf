import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import PlayerDesktop from '../../src/renderer/src/components/player/PlayerDesktop.vue';
import VideoScreen from '../../src/renderer/src/components/player/VideoScreen.vue';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import type { PlayerDesktopFrame, PlayerInfo } from '../../src/shared/ipc';
import { ok } from '../../src/shared/result';
import { encodeRect, encodeScreenHeader } from '../../src/shared/rdpWire';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { base64, mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';
import { makePlayerFixture, playerHandlers } from './support/player';

type Rgb = readonly [number, number, number];
const BLUE: Rgb = [0x1e, 0x3a, 0x5f];
const RED: Rgb = [0xe0, 0x20, 0x20];
const GREEN: Rgb = [0x20, 0xc0, 0x40];

/** An uncompressed 24 bpp bitmap of one colour (rows bottom-up, padded to 4 bytes, blue first). */
function solidRect(x: number, y: number, width: number, height: number, [r, g, b]: Rgb) {
  const stride = (width * 3 + 3) & ~3;
  const data = new Uint8Array(stride * height);
  for (let row = 0; row < height; row++)
    for (let col = 0; col < width; col++) data.set([b, g, r], row * stride + col * 3);
  return {
    x,
    y,
    width,
    height,
    right: x + width - 1,
    bottom: y + height - 1,
    bpp: 24,
    compressed: false,
    data,
  };
}

/** A wire `screen` frame: RGBA in raw-deflate stored blocks (valid deflate, no compression needed). */
function screenFrame(width: number, height: number, paint: (x: number, y: number) => Rgb): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgba.set([...paint(x, y), 255], (y * width + x) * 4);
  const blocks: number[] = [];
  for (let at = 0; at < rgba.length; at += 0xffff) {
    const part = rgba.subarray(at, at + 0xffff);
    const final = at + 0xffff >= rgba.length ? 1 : 0;
    blocks.push(
      final,
      part.length & 0xff,
      part.length >> 8,
      ~part.length & 0xff,
      (~part.length >> 8) & 0xff,
      ...part,
    );
  }
  return new Uint8Array([...encodeScreenHeader(width, height), ...blocks]);
}

/**
 * A desktop recording behind a fake main: blue 64×48, a red square at 2 s, a green one at 5 s, a
 * bitmap nobody can decode at 8 s, grown to 80×60 at 25 s. Frames come one per page.
 */
const EVENTS: { atMs: number; rect?: ReturnType<typeof solidRect>; grow?: true }[] = [
  { atMs: 2_000, rect: solidRect(0, 0, 16, 16, RED) },
  { atMs: 5_000, rect: solidRect(16, 16, 16, 16, GREEN) },
  { atMs: 8_000, rect: { ...solidRect(40, 0, 8, 8, RED), compressed: true, data: new Uint8Array([0xff]) } },
  { atMs: 25_000, grow: true },
];

function colourAt(atMs: number, x: number, y: number): Rgb {
  if (atMs >= 5_000 && x >= 16 && x < 32 && y >= 16 && y < 32) return GREEN;
  if (atMs >= 2_000 && x < 16 && y < 16) return RED;
  return BLUE;
}

const sizeAt = (atMs: number) => (atMs >= 25_000 ? { width: 80, height: 60 } : { width: 64, height: 48 });

function desktopHandlers(info: PlayerInfo) {
  return {
    'player:open': () => ok(info),
    'player:desktopAt': ({ atMs }: { atMs: number }) => {
      const at = Math.min(Math.max(0, atMs), info.durationMs);
      const { width, height } = sizeAt(at);
      const frame = base64(screenFrame(width, height, (x, y) => colourAt(at, x, y)));
      return ok({ atMs: at, width, height, frame, blocked: false });
    },
    'player:desktopFrames': ({ fromMs, toMs, cursor }: { fromMs: number; toMs: number; cursor?: string }) => {
      const due = EVENTS.filter((e) => e.atMs > fromMs && e.atMs <= toMs);
      const start = cursor === undefined ? 0 : Number(cursor.split('.')[1]);
      const frames: PlayerDesktopFrame[] = due.slice(start, start + 1).map((e) => ({
        atMs: e.atMs,
        frame: base64(e.rect ? encodeRect(e.rect) : screenFrame(80, 60, (x, y) => colourAt(e.atMs, x, y))),
      }));
      return ok({ frames, next: start + 1 < due.length ? `0.${start + 1}` : null });
    },
  };
}

describe('a remote desktop recording in the Video of session screen', { timeout: 20_000 }, () => {
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;
  const fixture = makePlayerFixture(31);
  const info: PlayerInfo = {
    ...fixture.info,
    kind: 'desktop',
    cols: 0,
    rows: 0,
    width: 64,
    height: 48,
    idleGaps: [{ fromMs: 8_000, toMs: 25_000 }],
  };

  const item = { ...fixture.item, protocol: 'rdp' };

  beforeEach(() => {
    fake = installFakeVigil({
      ...playerHandlers(fixture),
      ...desktopHandlers(info),
      'library:verify': () => ok(item),
    });
  });
  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function openItem(locale: 'en' | 'pt-BR' = 'en') {
    const mounted = mountLive(VideoScreen, {}, { locale });
    wrapper = mounted.wrapper;
    const store = usePlayerStore(mounted.pinia);
    await store.openLibraryItem(item);
    await waitFor(() => byTestId('player-desktop') !== null && !store.seeking, 'the desktop');
    return store;
  }

  const desktop = () => wrapper!.findComponent(PlayerDesktop).vm;
  const showsColour = (x: number, y: number, colour: Rgb) => {
    const pixel = desktop().screenPixel(x, y);
    return pixel.length === 4 && pixel.slice(0, 3).every((c, i) => c === colour[i]);
  };

  it('draws the screen at a time on a canvas, with the same transport and markers, and no text search', async () => {
    const store = await openItem();
    expect(byTestId('live-terminal')).toBeNull();
    expect(fake.argsOf('player:desktopAt')[0]).toEqual([{ playerId: 'pl-1', atMs: 0 }]);
    expect(fake.argsOf('player:screenAt')).toEqual([]);
    await waitFor(() => showsColour(4, 4, BLUE), 'the first screen');
    expect(desktop().screenSize()).toEqual({ width: 64, height: 48 });

    for (const id of [
      'player-play',
      'player-seek',
      'player-speed',
      'player-skip-idle',
      'player-full-screen',
    ]) {
      expect(byTestId(id), id).not.toBeNull();
    }
    expect(document.querySelectorAll('[data-testid="player-marker"]')).toHaveLength(3);
    expect(requireTestId('player-copy').textContent?.trim()).toBe('Copy picture');
    expect(byTestId('player-search-input')).toBeNull();
    expect(requireTestId('player-search-unavailable').textContent).toMatch(/recorded as pictures, not text/);

    await store.seek(3_000);
    await waitFor(() => showsColour(4, 4, RED), 'the red square after a seek');
    expect(showsColour(20, 20, BLUE)).toBe(true);
  });

  it('plays the recorded rectangles as the clock reaches them, and asks the screen again after one it cannot draw', async () => {
    const store = await openItem();
    await store.seek(4_000);
    await waitFor(() => showsColour(4, 4, RED), 'the screen at 4 s');
    await store.play();
    store.pause();
    // The clock driven by hand: half a second at a time, as the timer would.
    store.playing = true;
    for (let i = 0; i < 4; i++) {
      store.tick(500);
      await settle();
    }
    expect(store.currentMs).toBe(6_000);
    await waitFor(() => showsColour(20, 20, GREEN), 'the green square played at 5 s');
    expect(fake.argsOf('player:desktopFrames').map(([input]) => input.fromMs)).toContain(4_000);

    const seeks = fake.argsOf('player:desktopAt').length;
    for (let i = 0; i < 6; i++) {
      store.tick(500);
      await settle();
    }
    await waitFor(() => fake.argsOf('player:desktopAt').length > seeks, 'the screen asked again');
    expect(fake.argsOf('player:desktopAt').at(-1)![0].atMs).toBeGreaterThanOrEqual(8_000);
    await waitFor(() => showsColour(20, 20, GREEN), 'the screen drawn again');
    store.pause();

    await store.seek(26_000);
    await waitFor(() => desktop().screenSize().width === 80, 'the grown screen');
    expect(desktop().screenSize()).toEqual({ width: 80, height: 60 });
  });

  it('says in Portuguese why there is no search', async () => {
    await openItem('pt-BR');
    expect(requireTestId('player-search-unavailable').textContent).toMatch(/gravada como imagens/);
    expect(requireTestId('player-copy').textContent?.trim()).toBe('Copiar imagem');
  });

  it('offers MP4 only in the export dialog, with a hint about the desktop video', async () => {
    await openItem();
    requireTestId('player-export').click();
    await settle();
    await waitFor(() => byTestId('export-dialog') !== null, 'the export dialog');
    const asciicast = requireTestId('export-format-asciicast');
    expect(asciicast.className).toMatch(/disabled/);
    expect(requireTestId('export-dialog').textContent).toMatch(/made from the recorded remote desktop/);
  });
});
