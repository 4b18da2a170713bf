import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import PreventPurgeDialog from '../../src/renderer/src/components/sessions/PreventPurgeDialog.vue';
import { useSessionsStore } from '../../src/renderer/src/stores/sessions';
import type { Session } from '../../src/shared/api';
import { ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { makeSession } from './support/fixtures';
import { mountInApp, requireTestId, settle, byTestId } from './support/mount';

function open(session: Session, locale: 'en' | 'pt-BR' = 'en') {
  const mounted = mountInApp(PreventPurgeDialog, { session, show: true }, locale);
  useSessionsStore().items = [session];
  return mounted;
}

async function type(text: string): Promise<void> {
  const field = requireTestId('prevent-purge-justification') as HTMLTextAreaElement;
  field.value = text;
  field.dispatchEvent(new Event('input', { bubbles: true }));
  await settle(2);
}

const button = (id: string) => requireTestId(id) as HTMLButtonElement;
const problemText = () => byTestId('prevent-purge-problem')?.textContent?.trim() ?? null;

describe('PreventPurgeDialog', { timeout: 15_000 }, () => {
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fake = installFakeVigil({
      'sessions:setPreventPurge': ({ sessionId, justification }) =>
        ok(
          makeSession(sessionId, {
            preventPurge: {
              justification,
              by: { id: 2, login: 'ana', name: 'Ana' },
              at: '2025-01-02T03:04:05.000Z',
            },
          }),
        ),
      'sessions:clearPreventPurge': ({ sessionId }) => ok(makeSession(sessionId, { preventPurge: null })),
    });
  });
  afterEach(() => {
    wrapper?.unmount();
    document.body.innerHTML = '';
  });

  it('keeps Save disabled until the justification meets the rule, and says why inline', async () => {
    wrapper = open(makeSession(3)).wrapper;
    await settle();
    expect(button('prevent-purge-save').disabled).toBe(true);
    expect(problemText()).toBeNull(); // nothing shouted at an untouched form

    await type('too short');
    expect(button('prevent-purge-save').disabled).toBe(true);
    expect(problemText()).toBe('The justification needs at least 10 characters');

    await type('          ');
    expect(button('prevent-purge-save').disabled).toBe(true);
    expect(problemText()).toBe('A justification is required');

    await type('   Legal hold for case 2025-17   ');
    expect(button('prevent-purge-save').disabled).toBe(false);
    expect(problemText()).toBeNull();

    await type('x'.repeat(1001));
    expect(button('prevent-purge-save').disabled).toBe(true);
    expect(problemText()).toBe('The justification may have at most 1000 characters');
  });

  it('does not call the gateway when Save is forced while invalid', async () => {
    wrapper = open(makeSession(3)).wrapper;
    await settle();
    await type('short');
    button('prevent-purge-save').click();
    await settle();
    expect(fake.argsOf('sessions:setPreventPurge')).toEqual([]);
  });

  it('sets prevent purge with the trimmed justification and refreshes the row', async () => {
    wrapper = open(makeSession(3)).wrapper;
    await settle();
    await type('  Legal hold for case 2025-17  ');
    button('prevent-purge-save').click();
    await settle();
    expect(fake.argsOf('sessions:setPreventPurge')).toEqual([
      [{ sessionId: 3, justification: 'Legal hold for case 2025-17' }],
    ]);
    expect(useSessionsStore().items[0]?.preventPurge?.justification).toBe('Legal hold for case 2025-17');
    expect(document.body.textContent).toContain('Prevent purge set for session #3');
  });

  it('shows the current protection and clearing it also needs a justification', async () => {
    const session = makeSession(6, {
      preventPurge: {
        justification: 'Incident 42',
        by: { id: 3, login: 'bruno', name: 'Bruno' },
        at: '2025-01-02T03:04:05.000Z',
      },
    });
    wrapper = open(session).wrapper;
    await settle();
    expect(requireTestId('prevent-purge-state').textContent).toContain('Incident 42');
    expect(byTestId('prevent-purge-save')).toBeNull();
    expect(button('prevent-purge-clear').disabled).toBe(true);
    await type('Case closed by legal');
    button('prevent-purge-clear').click();
    await settle();
    expect(fake.argsOf('sessions:clearPreventPurge')).toEqual([
      [{ sessionId: 6, justification: 'Case closed by legal' }],
    ]);
    expect(useSessionsStore().items[0]?.preventPurge).toBeNull();
  });

  it('speaks Portuguese, rule messages included', async () => {
    wrapper = open(makeSession(3), 'pt-BR').wrapper;
    await settle();
    await type('curto');
    expect(problemText()).toBe('A justificativa precisa ter pelo menos 10 caracteres');
    expect(button('prevent-purge-save').textContent).toContain('Impedir expurgo');
  });
});
