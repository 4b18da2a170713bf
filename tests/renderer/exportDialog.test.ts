import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import ExportDialog from '../../src/renderer/src/components/player/ExportDialog.vue';
import type { ExportJob, FfmpegStatus, LibraryItem } from '../../src/shared/ipc';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { byTestId, mountInApp, requireTestId, settle, waitFor } from './support/mount';

const item: LibraryItem = {
  itemId: 's7-0123456789abcdef',
  sessionId: 7,
  profileId: 'p1',
  gatewayUrl: 'https://127.0.0.1:8443',
  operator: 'alice',
  account: 'root',
  target: 'db-01',
  protocol: 'ssh',
  startedAt: '2026-10-06T09:00:00.000Z',
  endedAt: '2026-10-06T09:01:30.000Z',
  durationMs: 90_000,
  size: 4096,
  sha256: 'ab'.repeat(32),
  addedAt: '2026-10-06T10:00:00.000Z',
  imported: false,
  hasSnapshot: true,
  verification: { status: 'verified', reason: null, checkedAt: '2026-10-06T10:00:00.000Z', keyId: null },
} as unknown as LibraryItem;

const found: FfmpegStatus = {
  path: '/usr/bin/ffmpeg',
  source: 'path',
  version: 'ffmpeg version 6.1.1',
  setting: null,
  tried: [
    { source: 'setting', path: null, problem: 'not set' },
    { source: 'env', path: null, problem: 'FFMPEG_PATH is not set' },
    { source: 'path', path: '/usr/bin/ffmpeg', problem: null },
  ],
};
const missing: FfmpegStatus = {
  path: null,
  source: null,
  version: null,
  setting: '/opt/nothing/ffmpeg',
  tried: [
    { source: 'setting', path: '/opt/nothing/ffmpeg', problem: 'no such file' },
    { source: 'path', path: null, problem: 'no ffmpeg on PATH' },
  ],
};

const job = (overrides: Partial<ExportJob>): ExportJob => ({
  exportId: 'e-1',
  itemId: item.itemId,
  format: 'mp4',
  state: 'running',
  progress: 0,
  result: null,
  error: null,
  ...overrides,
});

const text = (id: string) => byTestId(id)?.textContent?.trim() ?? '';
const button = (id: string) => requireTestId(id) as HTMLButtonElement;

async function choose(format: 'asciicast' | 'mp4'): Promise<void> {
  requireTestId(`export-format-${format}`).querySelector('input')!.click();
  await settle();
}

describe('the export dialog', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;
  let ffmpeg: FfmpegStatus;

  beforeEach(() => {
    ffmpeg = found;
    fake = installFakeVigil({
      'exports:ffmpeg': () => ok(ffmpeg),
      'exports:setFfmpegPath': (path) => {
        ffmpeg =
          path === '/usr/local/bin/ffmpeg' ? { ...found, path, source: 'setting', setting: path } : missing;
        return ok(ffmpeg);
      },
      'exports:start': ({ format }) =>
        format === 'asciicast'
          ? ok(
              job({
                format,
                state: 'done',
                progress: 1,
                result: { path: '/home/ana/vigil-session-7-20261006-090000.cast', bytes: 2048 },
              }),
            )
          : ok(job({})),
      'exports:cancel': () => ok(null),
    });
  });
  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
  });

  async function open(locale: 'en' | 'pt-BR' = 'en', shown: LibraryItem = item) {
    wrapper = mountInApp(ExportDialog, { item: shown, show: true }, locale).wrapper;
    await waitFor(() => byTestId('export-dialog') !== null, 'the dialog');
    await settle();
  }

  it('exports asciicast and says where the file was saved', async () => {
    await open();
    button('export-start').click();
    await waitFor(() => byTestId('export-saved') !== null, 'the saved message');
    expect(fake.argsOf('exports:start')).toEqual([[{ itemId: item.itemId, format: 'asciicast' }]]);
    expect(text('export-saved')).toContain('/home/ana/vigil-session-7-20261006-090000.cast');
    expect(text('export-saved')).toMatch(/2(\.0)? ?kB/i);
  });

  it('exports MP4 at the chosen size with the ffmpeg it names, shows progress, and cancels', async () => {
    await open();
    await choose('mp4');
    expect(text('export-ffmpeg-found')).toContain('/usr/bin/ffmpeg');
    expect(text('export-ffmpeg-found')).toContain('found on PATH');
    button('export-start').click();
    await waitFor(() => byTestId('export-progress') !== null, 'the progress bar');
    expect(fake.argsOf('exports:start')).toEqual([
      [{ itemId: item.itemId, format: 'mp4', width: 1280, height: 720 }],
    ]);

    fake.emit('exports:progress', job({ progress: 0.4 }));
    fake.emit('exports:progress', job({ exportId: 'someone-else', progress: 0.9 }));
    await settle();
    expect(requireTestId('export-progress').getAttribute('data-percent')).toBe('40');

    button('export-cancel').click();
    await settle();
    expect(fake.argsOf('exports:cancel')).toEqual([['e-1']]);
    fake.emit('exports:progress', job({ state: 'cancelled', progress: 0.45 }));
    // A late progress report after the end does not bring the bar back.
    fake.emit('exports:progress', job({ progress: 0.5 }));
    await waitFor(() => byTestId('export-cancelled') !== null, 'the cancelled message');
    expect(byTestId('export-progress')).toBeNull();
  });

  it('says no ffmpeg was found, lists the places tried, and takes a path for it', async () => {
    ffmpeg = missing;
    await open();
    await choose('mp4');
    expect(byTestId('export-ffmpeg-missing')).not.toBeNull();
    const tried = text('export-ffmpeg-tried');
    expect(tried).toContain('/opt/nothing/ffmpeg');
    expect(tried).toContain('no such file');
    expect(tried).toContain('no ffmpeg on PATH');
    expect(button('export-start').disabled).toBe(true);
    expect((requireTestId('export-ffmpeg-path') as HTMLInputElement).value).toBe('/opt/nothing/ffmpeg');

    const field = requireTestId('export-ffmpeg-path') as HTMLInputElement;
    field.value = '/usr/local/bin/ffmpeg';
    field.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    button('export-ffmpeg-save').click();
    await waitFor(() => byTestId('export-ffmpeg-found') !== null, 'the ffmpeg now found');
    expect(fake.argsOf('exports:setFfmpegPath')).toEqual([['/usr/local/bin/ffmpeg']]);
    expect(text('export-ffmpeg-found')).toContain('your setting');
    expect(button('export-start').disabled).toBe(false);
  });

  it('shows why an export failed', async () => {
    fake.handlers['exports:start'] = () => fail('FFMPEG_NOT_FOUND', 'No working ffmpeg was found');
    await open();
    await choose('mp4');
    button('export-start').click();
    await waitFor(() => byTestId('export-error') !== null, 'the error');
    expect(text('export-error')).toContain('No working ffmpeg was found');
    expect(byTestId('export-progress')).toBeNull();
  });

  it('offers only MP4 for a graphical recording, in Portuguese too', async () => {
    await open('pt-BR', { ...item, protocol: 'rdp' });
    const asciicast = requireTestId('export-format-asciicast').querySelector('input') as HTMLInputElement;
    expect(asciicast.disabled).toBe(true);
    expect((requireTestId('export-format-mp4').querySelector('input') as HTMLInputElement).checked).toBe(
      true,
    );
    expect(text('export-dialog')).toContain('Resolução');
    expect(button('export-start').textContent?.trim()).toBe('Exportar');
  });
});
