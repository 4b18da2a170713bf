import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import LiveTerminal from '../../src/renderer/src/components/live/LiveTerminal.vue';
import LiveViewer from '../../src/renderer/src/components/live/LiveViewer.vue';
import { useLiveStore } from '../../src/renderer/src/stores/live';
import type { Session } from '../../src/shared/api';
import type { LiveServerMessage } from '../../src/shared/live';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { makeSession } from './support/fixtures';
import { base64, mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';

const STREAM = 'stream-1';

function liveSession(overrides: Partial<Session> = {}): Session {
  return makeSession(3, { status: 'live', credential: 'root', device: 'web-001', ...overrides });
}

function snapshot(overrides: Partial<Extract<LiveServerMessage, { type: 'snapshot' }>> = {}) {
  return {
    type: 'snapshot' as const,
    cols: 80,
    rows: 24,
    screen: 'root@web-001:~# ',
    blocked: false,
    startedAt: new Date(Date.now() - 65_000).toISOString(),
    ...overrides,
  };
}

describe('LiveViewer', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;
  let current: Session;

  const terminalText = () => wrapper!.findComponent(LiveTerminal).vm.text();
  const message = (m: LiveServerMessage, streamId = STREAM) =>
    fake.emit('live:message', { streamId, message: m });
  const output = (text: string, streamId = STREAM) =>
    fake.emit('live:output', { streamId, data: base64(text) });
  const text = (id: string) => requireTestId(id).textContent?.trim() ?? '';

  async function open(session: Session = liveSession()) {
    current = session;
    wrapper = mountLive(LiveViewer, { session }).wrapper;
    await settle();
  }

  beforeEach(() => {
    fake = installFakeVigil({
      'live:open': (sessionId) => ok({ streamId: STREAM, sessionId }),
      'live:close': () => ok(null),
      'sessions:setInteractivity': ({ blocked }) => ok({ ...current, blocked }),
      'sessions:drop': () =>
        ok({ ...current, status: 'finished', endedAt: new Date().toISOString(), allowedActions: ['logs'] }),
    });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  it('opens the stream for the session, draws the first screen, then the output', async () => {
    await open();
    expect(fake.argsOf('live:open')).toEqual([[3]]);
    expect(byTestId('live-connecting')).not.toBeNull();
    expect(text('live-phase')).toBe('Live');
    message(snapshot());
    output('ls\r\nnotes.txt\r\nroot@web-001:~# ');
    await waitFor(() => terminalText().includes('notes.txt'), 'the output in the terminal');
    expect(terminalText()).toBe('root@web-001:~# ls\nnotes.txt\nroot@web-001:~#');
    await settle();
    expect(byTestId('live-connecting')).toBeNull();
    expect(requireTestId('live-phase').dataset.phase).toBe('live');
  });

  it('shows the operator, the target and the elapsed time', async () => {
    await open();
    message(snapshot());
    await settle();
    expect(text('live-operator')).toBe('Bob Ops (ops.bob)');
    expect(text('live-target')).toBe('root on web-001');
    expect(text('live-elapsed')).toMatch(/^0:01:0[56]$/);
  });

  it('applies resizes to the terminal', async () => {
    await open();
    message(snapshot());
    message({ type: 'resize', cols: 132, rows: 43 });
    await settle();
    const terminal = wrapper!.findComponent(LiveTerminal);
    await terminal.vm.flushed();
    expect(useLiveStore().size).toEqual({ cols: 132, rows: 43 });
    output('x'.repeat(100));
    await waitFor(() => terminalText().includes('x'.repeat(100)), '100 columns on one line');
  });

  it('keeps frames that arrive before live:open answers (late joiners lose nothing)', async () => {
    fake.handlers['live:open'] = (sessionId) => {
      message(snapshot({ screen: 'early screen ' }));
      output('early output');
      return ok({ streamId: STREAM, sessionId });
    };
    await open();
    await waitFor(() => terminalText().includes('early output'), 'the early frames');
    expect(terminalText()).toBe('early screen early output');
  });

  it('ignores frames of other streams', async () => {
    await open();
    message(snapshot());
    output('mine ');
    output('NOT MINE', 'stream-2');
    message({ type: 'ended', reason: 'terminated', at: new Date().toISOString(), message: null }, 'stream-2');
    output('again');
    await waitFor(() => terminalText().includes('again'), 'the output');
    expect(terminalText()).not.toContain('NOT MINE');
    expect(byTestId('live-ended')).toBeNull();
  });

  it('is read-only: typing into the terminal sends nothing anywhere', async () => {
    await open();
    message(snapshot());
    await settle();
    const input = document.querySelector<HTMLTextAreaElement>('.xterm-helper-textarea');
    expect(input).not.toBeNull();
    input!.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    input!.value = 'rm -rf /\r';
    input!.dispatchEvent(
      new InputEvent('input', { data: 'rm -rf /\r', inputType: 'insertText', bubbles: true }),
    );
    input!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', keyCode: 13, bubbles: true }));
    await settle();
    expect(fake.calls.map((c) => c.channel)).toEqual(['live:open']);
  });

  it('Hold on! blocks the operator, shows the state, and the same switch releases it', async () => {
    await open();
    message(snapshot());
    await settle();
    expect(requireTestId('live-interactivity').dataset.blocked).toBe('false');
    expect(requireTestId('live-hold').getAttribute('aria-checked')).toBe('false');

    requireTestId('live-hold').click();
    await settle();
    expect(fake.argsOf('sessions:setInteractivity')).toEqual([[{ sessionId: 3, blocked: true }]]);
    expect(requireTestId('live-interactivity').dataset.blocked).toBe('true');
    expect(text('live-interactivity')).toContain('Interactivity blocked');
    expect(requireTestId('live-hold').getAttribute('aria-checked')).toBe('true');

    message({ type: 'interactivity', blocked: true, by: 'Ana Auditor', at: new Date().toISOString() });
    await settle();
    expect(text('live-interactivity')).toContain('Blocked by Ana Auditor');

    requireTestId('live-hold').click();
    await settle();
    expect(fake.argsOf('sessions:setInteractivity')[1]).toEqual([{ sessionId: 3, blocked: false }]);
    expect(requireTestId('live-interactivity').dataset.blocked).toBe('false');
    expect(requireTestId('live-hold').getAttribute('aria-checked')).toBe('false');
  });

  it('Hold on! is one control: clicking its label toggles it, and there is no second Release button', async () => {
    await open();
    message(snapshot());
    await settle();
    requireTestId('live-hold-label').click();
    await settle();
    expect(fake.argsOf('sessions:setInteractivity')).toEqual([[{ sessionId: 3, blocked: true }]]);
    expect(requireTestId('live-hold').getAttribute('aria-checked')).toBe('true');
    const buttons = [...document.querySelectorAll('[data-testid="live-viewer"] button')].map((b) =>
      b.textContent?.trim(),
    );
    expect(buttons.filter((label) => label === 'Release')).toEqual([]);
  });

  it('shows a block that was already in place when the viewer joined', async () => {
    await open(liveSession({ blocked: true }));
    message(snapshot({ blocked: true }));
    await settle();
    expect(requireTestId('live-interactivity').dataset.blocked).toBe('true');
    expect(requireTestId('live-hold').getAttribute('aria-checked')).toBe('true');
  });

  it('reports a refused block and leaves the state as it was', async () => {
    fake.handlers['sessions:setInteractivity'] = () =>
      fail('ALREADY_BLOCKED', 'Interactivity is already blocked in this session');
    await open();
    message(snapshot());
    await settle();
    requireTestId('live-hold').click();
    await settle();
    expect(document.body.textContent).toContain('Interactivity is already blocked in this session.');
    expect(requireTestId('live-interactivity').dataset.blocked).toBe('false');
  });

  it('Drop asks "Drop this session?"; No keeps the session, Yes drops it and says "Session interrupted"', async () => {
    await open();
    message(snapshot());
    await settle();
    requireTestId('live-drop').click();
    await settle();
    expect(text('drop-confirm-text')).toBe('Drop this session?');
    expect(text('drop-confirm-yes')).toBe('Yes');
    expect(text('drop-confirm-no')).toBe('No');

    requireTestId('drop-confirm-no').click();
    await waitFor(() => byTestId('drop-confirm') === null, 'the dialog to close');
    expect(fake.argsOf('sessions:drop')).toEqual([]);

    requireTestId('live-drop').click();
    await settle();
    requireTestId('drop-confirm-yes').click();
    await settle();
    expect(fake.argsOf('sessions:drop')).toEqual([[3]]);
    await waitFor(() => byTestId('live-drop-done') !== null, 'the success message');
    expect(text('live-drop-done')).toBe('Session interrupted');
    expect(byTestId('live-drop')).toBeNull();
    expect(byTestId('live-hold')).toBeNull();

    message({ type: 'ended', reason: 'dropped', at: new Date().toISOString(), message: null });
    fake.emit('live:closed', { streamId: STREAM, code: 1000, reason: 'Session ended' });
    await settle();
    expect(requireTestId('live-ended').dataset.reason).toBe('dropped');
    expect(text('live-ended')).toContain('The session was dropped');
  });

  it('after a drop says who dropped it instead of "Operator may interact"', async () => {
    const dropper = { id: 2, login: 'ana', name: 'Ana Auditor' };
    fake.handlers['sessions:drop'] = () =>
      ok({
        ...current,
        status: 'finished',
        endedAt: new Date().toISOString(),
        allowedActions: ['logs'],
        endReason: { kind: 'dropped', by: dropper },
      });
    await open();
    message(snapshot());
    await settle();
    requireTestId('live-drop').click();
    await settle();
    requireTestId('drop-confirm-yes').click();
    await settle();
    expect(text('live-interactivity')).toBe('Dropped by Ana Auditor');
    expect(text('live-interactivity')).not.toContain('Operator may interact');
  });

  it('learns who dropped the session when another auditor did', async () => {
    fake.handlers['sessions:get'] = () =>
      ok({
        ...current,
        status: 'finished',
        endedAt: new Date().toISOString(),
        endReason: { kind: 'dropped', by: { id: 4, login: 'carla', name: 'Carla Lima' } },
      });
    await open();
    message(snapshot());
    message({ type: 'ended', reason: 'dropped', at: new Date().toISOString(), message: null });
    await settle();
    expect(fake.argsOf('sessions:get')).toEqual([[3]]);
    expect(text('live-interactivity')).toBe('Dropped by Carla Lima');
  });

  it('the drop confirmation names the session it drops', async () => {
    await open();
    message(snapshot());
    await settle();
    requireTestId('live-drop').click();
    await settle();
    expect(text('drop-confirm-which')).toBe('ops.bob@web-001 · session #3');
  });

  it('offers Hold on! and Drop only when the session allows them', async () => {
    await open(liveSession({ allowedActions: ['liveStream'] }));
    message(snapshot({ blocked: true }));
    await settle();
    expect(byTestId('live-hold')).toBeNull();
    expect(byTestId('live-drop')).toBeNull();
    expect(requireTestId('live-interactivity').dataset.blocked).toBe('true');
  });

  it('shows a clear end: reason, time, and no controls', async () => {
    await open();
    message(snapshot());
    output('exit\r\n');
    message({
      type: 'ended',
      reason: 'terminated',
      at: new Date().toISOString(),
      message: null,
    });
    fake.emit('live:closed', { streamId: STREAM, code: 1000, reason: 'Session ended' });
    await settle();
    expect(requireTestId('live-ended').dataset.reason).toBe('terminated');
    expect(text('live-ended')).toContain('The session ended');
    expect(requireTestId('live-phase').dataset.phase).toBe('ended');
    expect(text('live-phase')).toBe('Finished');
    expect(byTestId('live-hold')).toBeNull();
    expect(byTestId('live-drop')).toBeNull();
    expect(byTestId('live-lost')).toBeNull();
    await waitFor(() => terminalText().includes('exit'), 'the last output kept on screen');
  });

  it('tells a broken stream apart from an ended session, and reconnects on request', async () => {
    await open();
    message(snapshot());
    fake.emit('live:closed', { streamId: STREAM, code: 1006, reason: '' });
    await settle();
    expect(byTestId('live-ended')).toBeNull();
    expect(text('live-lost')).toContain('The live stream was interrupted');
    expect(text('live-lost')).toContain('1006');
    requireTestId('live-reconnect').click();
    await settle();
    expect(fake.argsOf('live:open')).toEqual([[3], [3]]);
    expect(byTestId('live-lost')).toBeNull();
  });

  it('shows why the stream could not open', async () => {
    fake.handlers['live:open'] = () =>
      fail('FORBIDDEN', 'Missing permission PAM.SessionManagement.Livestream');
    await open();
    expect(text('live-error')).toContain('Missing permission PAM.SessionManagement.Livestream');
    expect(byTestId('live-connecting')).toBeNull();
  });

  it('closes the stream on Close and when unmounted', async () => {
    await open();
    message(snapshot());
    await settle();
    requireTestId('live-close').click();
    await settle();
    expect(fake.argsOf('live:close')).toEqual([[STREAM]]);
    expect(wrapper!.findComponent(LiveViewer).emitted('close')).toHaveLength(1);

    wrapper!.unmount();
    wrapper = null;
    await open(liveSession({ id: 9 }));
    wrapper!.unmount();
    wrapper = null;
    await settle();
    expect(fake.argsOf('live:close')).toEqual([[STREAM], [STREAM]]);
  });

  it('speaks Portuguese, keeping the Hold on! name', async () => {
    current = liveSession();
    wrapper = mountLive(LiveViewer, { session: current }, { locale: 'pt-BR' }).wrapper;
    await settle();
    message(snapshot());
    await settle();
    expect(text('live-target')).toBe('root em web-001');
    expect(document.body.textContent).toContain('Hold on!');
    requireTestId('live-drop').click();
    await settle();
    expect(text('drop-confirm-text')).toBe('Derrubar esta sessão?');
  });
});
