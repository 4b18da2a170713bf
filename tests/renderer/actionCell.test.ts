import { afterEach, describe, expect, it } from 'vitest';
import ActionCell from '../../src/renderer/src/components/sessions/ActionCell.vue';
import { SESSION_ACTIONS, type SessionAction } from '../../src/shared/policy';
import { makeSession } from './support/fixtures';
import { mountInApp } from './support/mount';

const rendered = (sessionId: number) =>
  [...document.querySelectorAll<HTMLElement>(`[data-testid^="action-"][data-testid$="-${sessionId}"]`)].map(
    (el) => el.dataset.testid,
  );

describe('ActionCell', { timeout: 15_000 }, () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  const cases: Array<[string, SessionAction[], string[]]> = [
    ['nothing allowed', [], []],
    [
      'a live session for a full administrator',
      ['liveStream', 'interactivity', 'drop', 'preventPurge', 'configureAuditors'],
      ['action-liveStream-7', 'action-drop-7', 'action-preventPurge-7', 'action-configureAuditors-7'],
    ],
    [
      'a finished session for a PAM Auditor (no purge or auditor grants)',
      ['logs', 'video'],
      ['action-logs-7', 'action-video-7'],
    ],
    ['only Prevent Purge', ['preventPurge'], ['action-preventPurge-7']],
  ];

  it.each(cases)('renders exactly the allowed actions: %s', (_name, allowed, expected) => {
    mountInApp(ActionCell, { session: makeSession(7, { allowedActions: allowed }) });
    expect(rendered(7)).toEqual(expected);
  });

  it('never renders an action the gateway did not allow, whatever the order it lists them in', () => {
    const allowed: SessionAction[] = ['configureAuditors', 'logs'];
    mountInApp(ActionCell, { session: makeSession(9, { allowedActions: allowed }) });
    const shown = rendered(9);
    for (const action of SESSION_ACTIONS) {
      expect(shown.includes(`action-${action}-9`)).toBe(allowed.includes(action));
    }
  });

  it('emits the action with its session when a button is clicked', async () => {
    const session = makeSession(4, { allowedActions: ['logs', 'preventPurge'] });
    const seen: Array<[string, number]> = [];
    const { wrapper } = mountInApp(ActionCell, {
      session,
      onAction: (action: string, s: { id: number }) => seen.push([action, s.id]),
    });
    await wrapper.get('[data-testid="action-preventPurge-4"]').trigger('click');
    await wrapper.get('[data-testid="action-logs-4"]').trigger('click');
    expect(seen).toEqual([
      ['preventPurge', 4],
      ['logs', 4],
    ]);
  });

  it('labels icon buttons for screen readers in the current language', () => {
    mountInApp(ActionCell, { session: makeSession(5, { allowedActions: ['drop'] }) }, 'pt-BR');
    expect(document.querySelector('[data-testid="action-drop-5"]')?.getAttribute('aria-label')).toBe(
      'Derrubar sessão',
    );
  });
});
