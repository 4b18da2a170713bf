import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import type { VueWrapper } from '@vue/test-utils';
import DropSessionDialog from '../../src/renderer/src/components/live/DropSessionDialog.vue';
import { useSessionUpdates } from '../../src/renderer/src/composables/useSessionUpdates';
import { useSessionsStore } from '../../src/renderer/src/stores/sessions';
import type { Session } from '../../src/shared/api';
import { ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { makeSession } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';

const Listening = defineComponent({
  setup() {
    useSessionUpdates();
    return () => h('div');
  },
});

describe('the Remote sessions list and live sessions', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let rows: Session[];
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    rows = [makeSession(6, { status: 'live' }), makeSession(5, { status: 'finished' })];
    fake = installFakeVigil({
      'sessions:list': () => ok({ items: rows, total: rows.length, page: 1, pageSize: 30 }),
      'sessions:get': (id) =>
        ok(makeSession(id, { status: 'finished', endedAt: '2026-01-01T11:00:00.000Z', durationMs: 5 })),
      'sessions:drop': (id) => ok(makeSession(id, { status: 'finished' })),
    });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  describe('useSessionUpdates', () => {
    beforeEach(async () => {
      wrapper = mountLive(Listening).wrapper;
      const sessions = useSessionsStore();
      await sessions.load();
      fake.calls.length = 0;
    });

    it('refreshes a row on the page in place when it changes or finishes', async () => {
      fake.emit('sessions:changed', { type: 'session', sessionId: 6, change: 'finished' });
      await settle();
      expect(fake.argsOf('sessions:get')).toEqual([[6]]);
      expect(useSessionsStore().items.find((s) => s.id === 6)?.status).toBe('finished');
      expect(fake.argsOf('sessions:list')).toEqual([]);
    });

    it('ignores changes of rows that are not on the page', async () => {
      fake.emit('sessions:changed', { type: 'session', sessionId: 99, change: 'updated' });
      // A later change of a row on the page is fetched: the earlier one would have been by then.
      fake.emit('sessions:changed', { type: 'session', sessionId: 6, change: 'updated' });
      await waitFor(() => fake.calls.length > 0, 'the refresh of row 6');
      expect(fake.calls.map((c) => [c.channel, c.args])).toEqual([['sessions:get', [6]]]);
    });

    it('reloads the page once for a burst of new sessions', async () => {
      for (const id of [7, 8, 9])
        fake.emit('sessions:changed', { type: 'session', sessionId: id, change: 'started' });
      await waitFor(() => fake.argsOf('sessions:list').length === 1, 'the reload');
      // A later session reloads again: any extra reload of the burst would have come before it.
      fake.emit('sessions:changed', { type: 'session', sessionId: 10, change: 'started' });
      await waitFor(() => fake.argsOf('sessions:list').length >= 2, 'the second reload');
      expect(fake.argsOf('sessions:list')).toHaveLength(2);
    });

    it('reloads while filtering by status, since a row may leave the filter', async () => {
      const sessions = useSessionsStore();
      sessions.draft.status = 'live';
      await sessions.apply();
      fake.calls.length = 0;
      fake.emit('sessions:changed', { type: 'session', sessionId: 6, change: 'finished' });
      await waitFor(() => fake.argsOf('sessions:list').length === 1, 'the reload');
    });

    it('stops listening when the list goes away', async () => {
      expect(fake.listenerCount('sessions:changed')).toBe(1);
      wrapper!.unmount();
      wrapper = null;
      expect(fake.listenerCount('sessions:changed')).toBe(0);
    });
  });

  describe('DropSessionDialog (Drop Session from the action column)', () => {
    it('asks "Drop this session?" and drops only on Yes, then shows the finished row', async () => {
      wrapper = mountLive(DropSessionDialog, { session: rows[0], show: true }).wrapper;
      const sessions = useSessionsStore();
      sessions.items = [...rows];
      await settle();
      expect(requireTestId('drop-confirm-text').textContent?.trim()).toBe('Drop this session?');
      requireTestId('drop-confirm-yes').click();
      await settle();
      expect(fake.argsOf('sessions:drop')).toEqual([[6]]);
      expect(sessions.items.find((s) => s.id === 6)?.status).toBe('finished');
      await waitFor(() => byTestId('live-drop-done') !== null, 'the success message');
      expect(requireTestId('live-drop-done').textContent).toBe('Session interrupted');
    });

    it('No drops nothing', async () => {
      wrapper = mountLive(DropSessionDialog, { session: rows[0], show: true }).wrapper;
      await settle();
      requireTestId('drop-confirm-no').click();
      await settle();
      expect(fake.argsOf('sessions:drop')).toEqual([]);
    });
  });
});
