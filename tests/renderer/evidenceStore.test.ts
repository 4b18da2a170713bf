import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import BundlesPanel from '../../src/renderer/src/components/evidence/BundlesPanel.vue';
import ExportEvidenceButton from '../../src/renderer/src/components/evidence/ExportEvidenceButton.vue';
import { useEvidenceStore } from '../../src/renderer/src/stores/evidence';
import type { EvidenceBundle, EvidenceJob } from '../../src/shared/evidenceIpc';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { byTestId, freshPinia, mountInApp, requireTestId, settle } from './support/mount';

const verified: EvidenceBundle = {
  bundleId: 'b0000000000000001',
  path: '/cases/vigil-evidence-20261006-090000',
  format: 'folder',
  sessionIds: [7, 8],
  withoutRecording: [8],
  createdAt: '2026-10-06T09:00:00.000Z',
  imported: false,
  verification: {
    status: 'verified',
    reason: 'Every check passed',
    checkedAt: '2026-10-06T09:00:01.000Z',
    files: [{ path: 'statement.json', status: 'ok', detail: null }],
  },
};
const altered: EvidenceBundle = {
  ...verified,
  verification: {
    status: 'altered',
    reason: 'sessions/7/recording.vrec: its SHA-256 differs',
    checkedAt: '2026-10-06T10:00:00.000Z',
    files: [
      { path: 'sessions/7/recording.vrec', status: 'changed', detail: 'its SHA-256 differs' },
      { path: 'notes.txt', status: 'added', detail: 'not part of the exported evidence' },
      { path: 'statement.json', status: 'ok', detail: null },
    ],
  },
};

const job = (overrides: Partial<EvidenceJob>): EvidenceJob => ({
  jobId: 'j-1',
  sessionIds: [7, 8],
  format: 'zip',
  state: 'running',
  phase: 'statement',
  progress: 0.05,
  bundle: null,
  download: null,
  error: null,
  ...overrides,
});

describe('the evidence store', () => {
  let fake: FakeVigil;

  beforeEach(() => {
    freshPinia();
    fake = installFakeVigil({
      'evidence:export': () => ok(job({})),
      'evidence:list': () => ok([]),
      'evidence:cancel': () => ok(null),
    });
  });

  it('exports the chosen sessions in the chosen format and lists the bundle once done', async () => {
    const store = useEvidenceStore();
    await store.load();
    store.choose({ sessionIds: [7, 8] });
    store.format = 'folder';
    await store.start();
    expect(fake.argsOf('evidence:export')).toEqual([[{ format: 'folder', sessionIds: [7, 8] }]]);
    expect(store.running).toBe(true);
    fake.emit('evidence:progress', job({ phase: 'recordings', progress: 0.3 }));
    expect(store.job).toMatchObject({ phase: 'recordings', progress: 0.3 });
    fake.emit('evidence:progress', job({ state: 'done', phase: 'finished', progress: 1, bundle: verified }));
    expect(store.running).toBe(false);
    expect(store.bundles.map((b) => b.bundleId)).toEqual([verified.bundleId]);
  });

  it('keeps an ended export ended when its start answer comes after the last event', async () => {
    fake.handlers['evidence:export'] = async () => {
      fake.emit(
        'evidence:progress',
        job({ state: 'done', phase: 'finished', progress: 1, bundle: verified }),
      );
      return ok(job({}));
    };
    const store = useEvidenceStore();
    store.choose({ itemIds: ['s7-abc'] });
    await store.start();
    expect(fake.argsOf('evidence:export')).toEqual([[{ format: 'zip', itemIds: ['s7-abc'] }]]);
    expect(store.job?.state).toBe('done');
  });

  it('says so when no place was chosen, and shows why an export could not start', async () => {
    const store = useEvidenceStore();
    fake.handlers['evidence:export'] = () => ok(job({ state: 'cancelled' }));
    store.choose({ sessionIds: [7] });
    await store.start();
    expect(store.cancelledChoice).toBe(true);
    expect(store.job).toBeNull();
    fake.handlers['evidence:export'] = () =>
      fail('EVIDENCE_NEEDS_GATEWAY', 'An evidence bundle needs the gateway');
    await store.start();
    expect(store.error?.code).toBe('EVIDENCE_NEEDS_GATEWAY');
    expect(store.cancelledChoice).toBe(false);
  });

  it('cancels the running export', async () => {
    const store = useEvidenceStore();
    store.choose({ sessionIds: [7] });
    await store.start();
    await store.cancel();
    expect(fake.argsOf('evidence:cancel')).toEqual([['j-1']]);
  });

  it('re-verifies, opens and forgets bundles of the list', async () => {
    fake.handlers['evidence:list'] = () => ok([verified]);
    fake.handlers['evidence:verify'] = () => ok(altered);
    fake.handlers['evidence:open'] = () => ok({ ...verified, bundleId: 'b0000000000000002', imported: true });
    fake.handlers['evidence:forget'] = () => ok(null);
    const store = useEvidenceStore();
    await store.load();
    await store.verify(verified.bundleId);
    expect(store.bundles[0]!.verification.status).toBe('altered');
    expect(await store.open('/cases/other.zip')).toBe(true);
    expect(store.shown?.bundleId).toBe('b0000000000000002');
    await store.forget('b0000000000000002');
    expect(store.bundles.map((b) => b.bundleId)).toEqual([verified.bundleId]);
    expect(store.shown).toBeNull();
    fake.handlers['evidence:open'] = () =>
      fail('EVIDENCE_NOT_A_BUNDLE', '/tmp/x is not a readable evidence bundle');
    expect(await store.open('/tmp/x')).toBe(false);
    expect(store.actionError?.code).toBe('EVIDENCE_NOT_A_BUNDLE');
  });
});

describe('the evidence screens', { timeout: 15_000 }, () => {
  let wrapper: VueWrapper | null = null;

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  it('lists bundles with their state and names each altered file, problems first', async () => {
    installFakeVigil({ 'evidence:list': () => ok([altered]) });
    wrapper = mountInApp(BundlesPanel).wrapper;
    await settle();
    const row = requireTestId('evidence-bundle-row');
    expect(row.dataset.status).toBe('altered');
    (row.querySelector('[data-testid="evidence-show-files"]') as HTMLButtonElement).click();
    await settle(8);
    const files = [...document.querySelectorAll<HTMLElement>('[data-testid="evidence-file"]')];
    expect(files.map((f) => [f.dataset.path, f.dataset.status])).toEqual([
      ['sessions/7/recording.vrec', 'changed'],
      ['notes.txt', 'added'],
      ['statement.json', 'ok'],
    ]);
    expect(byTestId('evidence-files-summary')?.textContent).toContain('2 files have a problem');
  });

  it('exports the ticked sessions from its own dialog and shows where the bundle went', async () => {
    const fake = installFakeVigil({
      'evidence:export': () => ok(job({ sessionIds: [7, 8] })),
    });
    wrapper = mountInApp(ExportEvidenceButton, { sessionIds: [7, 8] }).wrapper;
    await settle();
    const button = requireTestId('evidence-export') as HTMLButtonElement;
    expect(button.textContent).toContain('(2)');
    button.click();
    await settle(8);
    (requireTestId('evidence-start') as HTMLButtonElement).click();
    await settle(8);
    fake.emit('evidence:progress', job({ state: 'done', phase: 'finished', progress: 1, bundle: verified }));
    await settle(8);
    expect(requireTestId('evidence-result').dataset.status).toBe('verified');
    expect(byTestId('evidence-result-path')?.textContent).toBe(verified.path);
    expect(byTestId('evidence-without-recording')?.textContent).toContain('#8');
  });
});
