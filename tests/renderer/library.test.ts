import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import LibraryScreen from '../../src/renderer/src/components/library/LibraryScreen.vue';
import { selectImportFiles } from '../../src/renderer/src/lib/importFiles';
import { useNavigationStore } from '../../src/renderer/src/stores/navigation';
import { fail } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { libraryHandlers, libraryItem, makeLibraryFixture, type LibraryFixture } from './support/library';
import { byTestId, mountInApp, requireTestId, settle, waitFor } from './support/mount';

const all = (selector: string) => [...document.querySelectorAll<HTMLElement>(selector)];
const rows = () => all('[data-testid="library-row"]');
const rowOf = (sessionId: number) => {
  const row = rows().find((r) => r.dataset.session === String(sessionId));
  if (!row) throw new Error(`No library row for session ${sessionId}`);
  return row;
};
const statusOf = (sessionId: number) =>
  rowOf(sessionId).querySelector<HTMLElement>('[data-testid="verification-tag"]')?.dataset.status;
const shownSessions = () => rows().map((r) => Number(r.dataset.session));

async function press(sessionId: number, action: string): Promise<void> {
  const button = rowOf(sessionId).querySelector<HTMLElement>(`[data-testid="library-${action}"]`);
  if (!button) throw new Error(`No ${action} button on the row of session ${sessionId}`);
  button.click();
  await settle(8);
}

async function typeSearch(q: string): Promise<void> {
  const input = requireTestId('library-search') as HTMLInputElement;
  input.value = q;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await settle(2);
}

const file = (name: string, text = name) => new File([text], name);

describe('choosing which sent file is which', () => {
  it('tells recording, manifest, signature and public key apart by name', () => {
    const picked = selectImportFiles([
      file('session-7.manifest.json'),
      file('key.pem'),
      file('session-7.vrec'),
      file('session-7.manifest.sig'),
      file('notes.json'),
    ]);
    expect(
      picked.ok && Object.fromEntries(Object.entries(picked.files).map(([k, f]) => [k, f.name])),
    ).toEqual({
      recording: 'session-7.vrec',
      manifest: 'session-7.manifest.json',
      signature: 'session-7.manifest.sig',
      publicKey: 'key.pem',
    });
  });

  it('takes a recording that lost its extension, and names each part that is missing or doubled', () => {
    expect(selectImportFiles([file('recording'), file('manifest.json'), file('manifest.sig')]).ok).toBe(true);
    expect(selectImportFiles([file('a.vrec'), file('manifest.json')])).toEqual({
      ok: false,
      missing: ['signature'],
      twice: [],
    });
    expect(selectImportFiles([file('a.vrec'), file('b.vrec'), file('m.sig')])).toEqual({
      ok: false,
      missing: ['manifest'],
      twice: ['recording'],
    });
  });
});

describe('the Library screen', { timeout: 20_000 }, () => {
  let fixture: LibraryFixture;
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fixture = makeLibraryFixture([
      libraryItem(1, { operator: 'ops.bob', target: 'db-1.internal' }),
      libraryItem(2, { operator: 'ana', target: 'web-2', status: 'altered' }),
      libraryItem(3, {
        operator: 'carl',
        target: 'vault',
        status: 'unknown-key',
        imported: true,
        hasSnapshot: false,
        profileId: null,
        gatewayUrl: null,
      }),
    ]);
    fake = installFakeVigil(libraryHandlers(fixture));
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function open(locale: 'en' | 'pt-BR' = 'en'): Promise<void> {
    ({ wrapper } = mountInApp(LibraryScreen, {}, locale));
    await settle(8);
  }

  it('lists each recording with who, where, when, how long, how big, where from and its verification', async () => {
    await open();
    expect(shownSessions()).toEqual([1, 2, 3]);
    const first = rowOf(1).textContent ?? '';
    expect(first).toContain('ops.bob');
    expect(first).toContain('db-1.internal');
    expect(first).toContain('(root)');
    expect(first).toContain('1 h 00 min');
    expect(first).toContain('100 KB');
    expect(first).toContain('gw.example.com:8443');
    expect(rowOf(3).textContent).toContain('Imported');
    expect([statusOf(1), statusOf(2), statusOf(3)]).toEqual(['verified', 'altered', 'unknown-key']);
    expect(rowOf(2).querySelector('[data-testid="verification-tag"]')?.textContent?.trim()).toBe('Altered');
    expect(rowOf(3).querySelector('[data-testid="verification-tag"]')?.textContent?.trim()).toBe(
      'Unknown key',
    );
    expect(requireTestId('library-folder-path').textContent).toBe(fixture.folder);
  });

  it('speaks Portuguese when the app does', async () => {
    await open('pt-BR');
    expect(rowOf(1).querySelector('[data-testid="verification-tag"]')?.textContent?.trim()).toBe(
      'Verificada',
    );
    expect(requireTestId('library-screen').textContent).toContain('Gravações neste computador');
  });

  it('searches operator, account, target, session and gateway, and filters by verification', async () => {
    await open();
    await typeSearch('ANA');
    expect(shownSessions()).toEqual([2]);
    await typeSearch('vault');
    expect(shownSessions()).toEqual([3]);
    await typeSearch('#1');
    expect(shownSessions()).toEqual([1]);
    await typeSearch('gw.example');
    expect(shownSessions()).toEqual([1, 2]);
    await typeSearch('nobody');
    expect(shownSessions()).toEqual([]);
    expect(byTestId('library-no-match')).not.toBeNull();
    await typeSearch('');

    requireTestId('library-filter-unknown-key').querySelector('input')?.click();
    await settle(4);
    expect(shownSessions()).toEqual([3]);
    requireTestId('library-filter-verified').querySelector('input')?.click();
    await settle(4);
    expect(shownSessions()).toEqual([1]);
    expect(requireTestId('library-count').textContent).toContain('One recording');
    requireTestId('library-filter-all').querySelector('input')?.click();
    await settle(4);
    expect(requireTestId('library-count').textContent).toContain('3 recordings');
  });

  it('re-checks one recording on demand and shows what the check found now', async () => {
    await open();
    fixture.onDisk.set('s1-abcdef1', 'altered');
    await press(1, 'recheck');
    expect(fake.argsOf('library:verify')).toEqual([['s1-abcdef1']]);
    expect(statusOf(1)).toBe('altered');
    expect(statusOf(2)).toBe('altered');
  });

  it('re-checks every recording with Re-check all', async () => {
    await open();
    fixture.onDisk.set('s2-abcdef2', 'verified');
    requireTestId('library-recheck-all').click();
    await waitFor(() => fake.argsOf('library:verify').length === 3, 'every item to be re-checked');
    await settle(4);
    expect(fake.argsOf('library:verify').map(([id]) => id)).toEqual([
      's1-abcdef1',
      's2-abcdef2',
      's3-abcdef3',
    ]);
    expect(statusOf(2)).toBe('verified');
  });

  it('deletes only after the user confirms, naming the session', async () => {
    await open();
    await press(2, 'delete');
    expect(requireTestId('library-delete-which').textContent).toContain('Session #2: ana on web-2');
    requireTestId('library-delete-no').click();
    await settle(4);
    expect(fake.argsOf('library:delete')).toEqual([]);
    expect(shownSessions()).toEqual([1, 2, 3]);

    await press(2, 'delete');
    requireTestId('library-delete-yes').click();
    await settle(8);
    expect(fake.argsOf('library:delete')).toEqual([['s2-abcdef2']]);
    expect(shownSessions()).toEqual([1, 3]);
  });

  it('shows the info of a download: verification and why, manifest, source, events, risky commands and commands', async () => {
    await open();
    await press(1, 'info');
    await waitFor(() => byTestId('library-drawer-manifest') !== null, 'the drawer');
    const drawer = requireTestId('library-drawer').textContent ?? '';
    expect(drawer).toContain('Session #1');
    expect(drawer).toContain('reason of 1: verified');
    expect(requireTestId('library-drawer-manifest').textContent).toContain('1'.repeat(64));
    expect(requireTestId('library-drawer-manifest').textContent).toContain('ab'.repeat(32));
    expect(requireTestId('library-drawer-source').textContent).toContain('https://gw.example.com:8443');
    expect(requireTestId('library-drawer-events').textContent).toContain('held the operator');
    expect(requireTestId('library-drawer-risky').textContent).toContain('wipe audit logs');
    expect(requireTestId('library-drawer-commands').textContent).toContain('rm -rf /var/log/audit');
  });

  it('says an imported recording came without events or logs', async () => {
    await open();
    await press(3, 'info');
    await waitFor(() => byTestId('library-drawer-no-snapshot') !== null, 'the drawer');
    expect(requireTestId('library-drawer-no-snapshot').textContent).toContain('carry no events or logs');
    expect(requireTestId('library-drawer-source').textContent).toContain('Imported');
  });

  it('shows where the recording is when revealed', async () => {
    await open();
    await press(1, 'reveal');
    expect(fake.argsOf('library:reveal')).toEqual([['s1-abcdef1']]);
    expect(requireTestId('library-revealed-path').textContent).toBe(
      `${fixture.folder}/s1-abcdef1/recording.vrec`,
    );
  });

  it('imports the files chosen with the picker and shows the verdict: signed by an unknown key', async () => {
    await open();
    const input = requireTestId('library-import-input') as HTMLInputElement;
    Object.defineProperty(input, 'files', {
      configurable: true,
      value: [file('s.vrec'), file('s.manifest.json'), file('s.manifest.sig'), file('signer.pem')],
    });
    input.dispatchEvent(new Event('change'));
    await waitFor(() => byTestId('library-import-done') !== null, 'the import');
    expect(fixture.imports).toEqual([
      {
        recording: '/picked/s.vrec',
        manifest: '/picked/s.manifest.json',
        signature: '/picked/s.manifest.sig',
        publicKey: '/picked/signer.pem',
      },
    ]);
    expect(requireTestId('library-import-done').dataset.status).toBe('unknown-key');
    expect(requireTestId('library-import-done').textContent).toContain('Imported session #9: Unknown key');
    expect(shownSessions()[0]).toBe(9);
  });

  it('imports files dropped on the screen, and names the part that is missing without importing', async () => {
    await open();
    const dropFiles = (files: File[]) => {
      const event = new Event('drop', { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', { value: { files, types: ['Files'] } });
      requireTestId('library-screen').dispatchEvent(event);
    };
    dropFiles([file('s.vrec'), file('s.manifest.json')]);
    await settle(4);
    expect(requireTestId('library-import-error').textContent).toContain('Missing: the signature (.sig)');
    expect(fixture.imports).toEqual([]);

    dropFiles([file('s.vrec'), file('s.manifest.json'), file('s.manifest.sig')]);
    await waitFor(() => byTestId('library-import-done') !== null, 'the import');
    expect(fixture.imports).toEqual([
      {
        recording: '/picked/s.vrec',
        manifest: '/picked/s.manifest.json',
        signature: '/picked/s.manifest.sig',
      },
    ]);
    expect(byTestId('library-import-error')).toBeNull();
  });

  it('shows why an import failed', async () => {
    fake.handlers['library:import'] = () =>
      fail('VALIDATION', '/picked/s.manifest.json is not a Vigil recording manifest');
    await open();
    const input = requireTestId('library-import-input') as HTMLInputElement;
    Object.defineProperty(input, 'files', {
      configurable: true,
      value: [file('s.vrec'), file('s.manifest.json'), file('s.manifest.sig')],
    });
    input.dispatchEvent(new Event('change'));
    await waitFor(() => byTestId('library-import-error') !== null, 'the error');
    expect(requireTestId('library-import-error').textContent).toContain('is not a Vigil recording manifest');
  });

  it('changes the library folder, and shows why a folder cannot be used', async () => {
    await open();
    requireTestId('library-folder-change').click();
    await settle(2);
    const input = requireTestId('library-folder-input') as HTMLInputElement;
    input.value = 'relative/dir';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    requireTestId('library-folder-save').click();
    await settle(6);
    expect(requireTestId('library-folder-error').textContent).toContain('must be an absolute path');

    input.value = '/mnt/evidence/vigil';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    requireTestId('library-folder-save').click();
    await settle(8);
    expect(fake.argsOf('library:setFolder')).toEqual([['relative/dir'], ['/mnt/evidence/vigil']]);
    expect(requireTestId('library-folder-path').textContent).toBe('/mnt/evidence/vigil');
    expect(byTestId('library-folder-error')).toBeNull();
  });

  it('plays a recording in the video screen', async () => {
    await open();
    await press(1, 'play');
    expect(useNavigationStore().view).toBe('video');
    expect(fake.argsOf('player:open')).toEqual([[{ itemId: 's1-abcdef1' }]]);
  });

  it('with no recordings, tells how recordings get here', async () => {
    fixture.items = [];
    await open();
    const empty = requireTestId('library-empty').textContent ?? '';
    expect(empty).toContain('No recordings yet');
    expect(empty).toContain('Video');
    expect(empty).toContain('import');
    expect(byTestId('library-table')).toBeNull();
  });
});
