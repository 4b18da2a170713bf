import { afterEach, describe, expect, it } from 'vitest';
import SessionsTable from '../../src/renderer/src/components/sessions/SessionsTable.vue';
import SessionLogsScreen from '../../src/renderer/src/components/sessionLogs/SessionLogsScreen.vue';
import VideoScreen from '../../src/renderer/src/components/player/VideoScreen.vue';
import { formatDateTime } from '../../src/renderer/src/lib/format';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import { useSessionLogsStore } from '../../src/renderer/src/stores/sessionLogs';
import type { Session } from '../../src/shared/api';
import { installFakeVigil } from './support/fakeVigil';
import { makeSession } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, mountInApp, requireTestId, settle } from './support/mount';
import { downloadStatus, makePlayerFixture, playerHandlers } from './support/player';
import { logsHandlers, makeLogsFixture } from './support/sessionLogs';

/** What the app shows of a session whose recording the gateway's retention purged. */
const PURGED_AT = '2026-07-29T09:00:00.000Z';
const recording = (purgedAt: string | null) => ({ size: 2048, sha256: 'cd'.repeat(32), purgedAt });

function finished(id: number, purgedAt: string | null): Session {
  return makeSession(id, {
    status: 'finished',
    endReason: { kind: 'finished' },
    recording: recording(purgedAt),
    allowedActions: ['logs', 'video', 'preventPurge'],
  });
}

const text = (testId: string) => requireTestId(testId).textContent?.replace(/\s+/g, ' ').trim() ?? '';

describe('a purged recording', { timeout: 20_000 }, () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('the Remote sessions list says when it was purged instead of offering the video', async () => {
    mountInApp(SessionsTable, { sessions: [finished(4, PURGED_AT), finished(5, null)], loading: false });
    await settle();
    expect(byTestId('action-video-4'), 'no video to offer').toBeNull();
    const label = requireTestId('recording-purged-4');
    expect(label.getAttribute('aria-label')).toBe(`Recording purged on ${formatDateTime(PURGED_AT, 'en')}`);
    expect(byTestId('action-logs-4'), 'the logs stay').not.toBeNull();
    expect(byTestId('action-video-5')).not.toBeNull();
    expect(byTestId('recording-purged-5')).toBeNull();
  });

  it('says it in pt-BR too', async () => {
    mountInApp(SessionsTable, { sessions: [finished(4, PURGED_AT)], loading: false }, 'pt-BR');
    await settle();
    expect(requireTestId('recording-purged-4').getAttribute('aria-label')).toBe(
      `Gravação expurgada em ${formatDateTime(PURGED_AT, 'pt-BR')}`,
    );
  });

  it('the session log tab says the text went with the recording, and keeps the typed commands', async () => {
    const fixture = makeLogsFixture(42, { commands: ['ls -la', 'exit'] });
    fixture.logs.session = { ...fixture.logs.session, recording: recording(PURGED_AT) };
    fixture.logs.text = {
      status: 'unavailable',
      message: `The recording of session 42 was purged on ${PURGED_AT}`,
      total: 0,
      offset: 0,
      items: [],
    };
    installFakeVigil(logsHandlers(fixture));
    const mounted = mountLive(SessionLogsScreen);
    await useSessionLogsStore(mounted.pinia).open(fixture.logs.session);
    await settle();
    requireTestId('logs-tab-log').click();
    await settle();
    expect(requireTestId('log-text-unavailable').dataset.purged).toBe('true');
    expect(text('log-text-unavailable')).toContain(`Recording purged on ${formatDateTime(PURGED_AT, 'en')}`);
    expect(text('log-text-unavailable')).toContain('the typed commands and the events are kept');
    expect(text('log-command-0')).toContain('ls -la');
    mounted.wrapper.unmount();
  });

  it('the video screen says it was purged when the gateway refuses the download, with no retry', async () => {
    const fixture = makePlayerFixture(7);
    const fake = installFakeVigil(playerHandlers(fixture));
    const mounted = mountLive(VideoScreen);
    await usePlayerStore(mounted.pinia).open(finished(7, PURGED_AT));
    await settle();
    fake.emit(
      'downloads:progress',
      downloadStatus(7, {
        state: 'failed',
        error: { code: 'RECORDING_PURGED', message: `The recording of session 7 was purged on ${PURGED_AT}` },
      }),
    );
    await settle();
    expect(requireTestId('video-error').dataset.purged).toBe('true');
    expect(text('video-error')).toContain(`Recording purged on ${formatDateTime(PURGED_AT, 'en')}`);
    expect(text('video-error')).toContain('a copy downloaded before stays in your library');
    expect(byTestId('video-retry')).toBeNull();
    mounted.wrapper.unmount();
  });
});
