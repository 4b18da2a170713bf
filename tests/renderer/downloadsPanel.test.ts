import { afterEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import LibraryScreen from '../../src/renderer/src/components/library/LibraryScreen.vue';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import type { DownloadStatus } from '../../src/shared/ipc';
import { ok } from '../../src/shared/result';
import { authState } from './support/fixtures';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { libraryHandlers, libraryItem, makeLibraryFixture } from './support/library';
import { byTestId, mountInApp, requireTestId, settle, waitFor } from './support/mount';
import { downloadStatus } from './support/player';

const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="download-row"]')];
const rowOf = (sessionId: number) => rows().find((r) => r.dataset.session === String(sessionId));

describe('the download queue on the Library screen', () => {
  let wrapper: VueWrapper | undefined;
  let fake: FakeVigil;

  afterEach(() => {
    wrapper?.unmount();
    document.body.innerHTML = '';
  });

  async function open(downloads: DownloadStatus[], signedIn = true) {
    const fixture = makeLibraryFixture([]);
    fake = installFakeVigil({
      ...libraryHandlers(fixture),
      'downloads:list': () => ok(downloads),
      'downloads:cancel': () => ok(null),
      'downloads:start': (sessionId) => ok(downloadStatus(sessionId, { downloadId: 'd-9', state: 'queued' })),
    });
    ({ wrapper } = mountInApp(LibraryScreen));
    if (signedIn) {
      const auth = useAuthStore();
      auth.state = authState;
      auth.phase = 'signedIn';
    }
    await settle(8);
    return fixture;
  }

  it('shows each running download with its progress, and Cancel cancels that one', async () => {
    await open([
      downloadStatus(7, { downloadId: 'd-7', bytes: 1024, total: 4096, rate: 512, etaSeconds: 6 }),
      downloadStatus(8, { downloadId: 'd-8', state: 'queued' }),
    ]);
    expect(rows().map((r) => r.dataset.state)).toEqual(['running', 'queued']);
    const text = rowOf(7)!.querySelector('[data-testid="download-progress"]')!.textContent!;
    expect(text).toMatch(/ of .*\/s · about \d+ s left/);
    expect(rowOf(8)!.textContent).toContain('Waiting to start');
    rowOf(8)!.querySelector<HTMLElement>('[data-testid="download-cancel"]')!.click();
    await settle(4);
    expect(fake.argsOf('downloads:cancel')).toEqual([['d-8']]);
  });

  it('follows progress events, and a finished download leaves the queue and appears in the library', async () => {
    const fixture = await open([downloadStatus(7, { downloadId: 'd-7', bytes: 0 })]);
    fake.emit('downloads:progress', downloadStatus(7, { downloadId: 'd-7', bytes: 2048, total: 4096 }));
    await settle(4);
    expect(rowOf(7)!.querySelector('.n-progress')!.getAttribute('aria-valuenow')).toBe('50');
    fixture.items.push(libraryItem(7, { itemId: 'item-7' }));
    fake.emit(
      'downloads:progress',
      downloadStatus(7, { downloadId: 'd-7', state: 'done', itemId: 'item-7' }),
    );
    await waitFor(() => byTestId('downloads-panel') === null, 'the queue to empty');
    await waitFor(
      () => document.querySelector('[data-testid="library-row"][data-session="7"]') !== null,
      'the library to list the finished download',
    );
  });

  it('a failed download says why and Retry resumes it; signed out, Retry waits for a login', async () => {
    await open([
      downloadStatus(7, {
        downloadId: 'd-7',
        state: 'failed',
        error: { code: 'NETWORK', message: 'connection reset' },
      }),
    ]);
    expect(requireTestId('download-problem').textContent).toContain('Stopped');
    requireTestId('download-retry').click();
    await settle(6);
    expect(fake.argsOf('downloads:start')).toEqual([[7]]);
    wrapper?.unmount();
    document.body.innerHTML = '';
    await open([downloadStatus(9, { downloadId: 'd-9', state: 'interrupted' })], false);
    expect((requireTestId('download-retry') as HTMLButtonElement).disabled).toBe(true);
  });
});
