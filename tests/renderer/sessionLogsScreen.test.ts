import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import SessionLogsScreen from '../../src/renderer/src/components/sessionLogs/SessionLogsScreen.vue';
import { useSessionLogsStore } from '../../src/renderer/src/stores/sessionLogs';
import type { IpcChannel } from '../../src/shared/ipc';
import { fail } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil, type Handler } from './support/fakeVigil';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle } from './support/mount';
import { logsHandlers, makeLogsFixture, pageOf, risky, type LogsFixture } from './support/sessionLogs';

const text = (testId: string) => requireTestId(testId).textContent?.replace(/\s+/g, ' ').trim() ?? '';
const all = (selector: string) => [...document.querySelectorAll<HTMLElement>(selector)];

async function showTab(tab: string): Promise<void> {
  requireTestId(`logs-tab-${tab}`).click();
  await settle();
}

async function clickHeader(title: string): Promise<void> {
  const th = all('[data-testid="risky-table"] th').find((cell) => cell.textContent?.trim() === title);
  if (!th) throw new Error(`No column "${title}"`);
  th.click();
  await settle();
}

async function search(q: string): Promise<void> {
  const input = requireTestId('logs-search-input') as HTMLInputElement;
  input.value = q;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await settle(1);
  requireTestId('logs-search').click();
  await settle(8);
}

/**
 * Holds the answers of one channel until `release()`: the screen can be looked at while the
 * request is still pending.
 */
function holdAnswers<C extends IpcChannel>(fake: FakeVigil, channel: C): { release(): void } {
  const answer = fake.handlers[channel] as Handler<C>;
  const waiting: Array<() => void> = [];
  const held: Handler<C> = (...args) =>
    new Promise((resolve) => waiting.push(() => resolve(answer(...args))));
  (fake.handlers as Record<IpcChannel, unknown>)[channel] = held;
  return {
    release() {
      for (const answerNow of waiting.splice(0)) answerNow();
    },
  };
}

const isSpinning = (testId: string) =>
  requireTestId(testId).closest('.n-spin-content')?.classList.contains('n-spin-content--spinning') ?? false;

const currentLine = () => document.querySelector<HTMLElement>('[data-current="true"]')?.dataset.testid;

describe('the Session Logs screen', { timeout: 20_000 }, () => {
  let fixture: LogsFixture;
  let fake: FakeVigil;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fixture = makeLogsFixture(42, {
      risky: [
        risky({ rule: 'sudo shell', score: 40, criticality: 'high', action: 'allow', command: 'sudo -i' }),
        risky({
          rule: 'wipe disk',
          score: 95,
          criticality: 'critical',
          action: 'interrupt',
          command: 'dd if=/dev/zero of=/dev/sda',
        }),
        risky({
          rule: 'read shadow',
          score: 70,
          criticality: 'low',
          action: 'block',
          command: 'cat /etc/shadow',
        }),
      ],
      events: [
        {
          at: '2025-01-01T09:10:00.000Z',
          type: 'Log viewer',
          actor: { id: 2, login: 'ana', name: 'Ana Auditor' },
          originIp: '127.0.0.1',
          note: 'Read the logs of session 42',
        },
      ],
    });
    fake = installFakeVigil(logsHandlers(fixture));
  });
  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function openScreen(locale: 'en' | 'pt-BR' = 'en') {
    const mounted = mountLive(SessionLogsScreen, {}, { locale });
    wrapper = mounted.wrapper;
    await useSessionLogsStore(mounted.pinia).open(fixture.logs.session);
    await settle();
    return mounted;
  }

  it('shows the session facts first, then the user, in tabs', async () => {
    await openScreen();
    expect(text('logs-title')).toBe('Session Logs · session #42');
    expect(text('logs-fact-id')).toContain('42');
    expect(text('logs-fact-hash')).toContain(fixture.logs.session.hash);
    expect(text('logs-fact-device')).toContain('db-42.internal');
    expect(text('logs-fact-account')).toContain('root');
    expect(text('logs-fact-duration')).toContain('1 h 02 min');
    expect(text('logs-fact-endReason')).toContain('Finished');
    expect(byTestId('logs-fact-errorMessage')).toBeNull();

    await showTab('user');
    expect(text('logs-fact-login')).toContain('ops.alice');
    expect(text('logs-fact-name')).toContain('Alice Ops');
    expect(text('logs-fact-originIp')).toContain('10.0.0.42');
  });

  it('names the error a failed session ended on', async () => {
    fixture.logs.session = {
      ...fixture.logs.session,
      errorMessage: 'Connection reset by peer',
      endReason: { kind: 'error', message: 'Connection reset by peer' },
    };
    await openScreen();
    expect(text('logs-fact-endReason')).toContain('Failed');
    expect(text('logs-fact-errorMessage')).toContain('Connection reset by peer');
  });

  it('lists risky commands with rule, score and tags, sortable by score and by criticality', async () => {
    await openScreen();
    await showTab('risky');
    const rules = () => all('[data-testid="risky-row"]').map((row) => row.dataset.rule);
    expect(rules()).toEqual(['sudo shell', 'wipe disk', 'read shadow']); // as typed
    const first = all('[data-testid="risky-row"]')[1]!;
    expect(first.textContent).toContain('dd if=/dev/zero of=/dev/sda');
    expect(first.querySelector('[data-criticality]')?.textContent?.trim()).toBe('Critical');
    expect(first.querySelector('[data-action]')?.textContent?.trim()).toBe('Interrupted');

    await clickHeader('Score');
    expect(rules()).toEqual(['wipe disk', 'read shadow', 'sudo shell']); // highest first
    await clickHeader('Score');
    expect(rules()).toEqual(['sudo shell', 'read shadow', 'wipe disk']);

    await clickHeader('Criticality');
    expect(rules()).toEqual(['wipe disk', 'sudo shell', 'read shadow']); // critical, high, low
    await clickHeader('Criticality');
    expect(rules()).toEqual(['read shadow', 'sudo shell', 'wipe disk']);
  });

  it('says why there are no risky commands, and no events', async () => {
    fixture.logs.riskyCommands = [];
    fixture.logs.events = [];
    await openScreen();
    await showTab('risky');
    expect(text('risky-empty')).toBe('No risky commands: no audited-command rule matched in this session');
    await showTab('events');
    expect(byTestId('events-empty')).not.toBeNull();
  });

  it('lists the events with user, time, event and note', async () => {
    await openScreen();
    await showTab('events');
    const rows = all('[data-testid="event-row"]');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain('Ana Auditor');
    expect(rows[0]!.textContent).toContain('Log viewer');
    expect(rows[0]!.textContent).toContain('Read the logs of session 42');
  });

  it('shows the typed commands and the first text page with minutes, then pages on demand', async () => {
    await openScreen();
    await showTab('log');
    expect(all('[data-testid^="log-command-"]').map((li) => li.textContent)).toEqual([
      expect.stringContaining('ls -la'),
      expect.stringContaining('cat /etc/secret.conf'),
      expect.stringContaining('exit'),
    ]);
    expect(text('log-command-2')).toContain('min 3');
    expect(all('[data-testid^="log-line-"]')).toHaveLength(200);
    expect(text('log-line-130')).toContain('min 1');
    expect(text('log-line-130')).toContain('01:05');
    expect(text('log-range')).toBe('Lines 1–200 of 450');
    expect(fake.argsOf('logs:text')).toEqual([]);

    const pageThree = all('[data-testid="log-pages"] .n-pagination-item').find(
      (i) => i.textContent?.trim() === '3',
    );
    pageThree!.click();
    await settle();
    expect(fake.argsOf('logs:text')).toEqual([[{ sessionId: 42, offset: 400, limit: 200 }]]);
    expect(text('log-range')).toBe('Lines 401–450 of 450');
    expect(byTestId('log-line-0')).toBeNull();
    expect(byTestId('log-line-449')).not.toBeNull();
  });

  it('searches, highlights the hits, and next/previous move across pages with “n of total”', async () => {
    await openScreen();
    await showTab('log');
    await search('secret');
    expect(fake.argsOf('logs:search')).toEqual([[{ sessionId: 42, q: 'secret' }]]);
    expect(text('logs-hit-counter')).toBe('1 of 4');
    expect(currentLine()).toBe('log-line-5');
    // Case-insensitive, as the gateway matches: "Secret" in the text is marked.
    expect(requireTestId('log-line-5').querySelector('mark')?.textContent).toBe('Secret');
    expect(requireTestId('log-command-1').querySelector('mark')?.textContent).toBe('secret');

    requireTestId('logs-hit-next').click();
    await settle();
    expect(text('logs-hit-counter')).toBe('2 of 4');
    expect(currentLine()).toBe('log-command-1');

    requireTestId('logs-hit-next').click();
    await settle();
    expect(text('logs-hit-counter')).toBe('3 of 4');
    expect(currentLine()).toBe('log-line-210');
    expect(text('log-range')).toBe('Lines 201–400 of 450');

    requireTestId('logs-hit-previous').click();
    await settle();
    requireTestId('logs-hit-previous').click();
    await settle();
    requireTestId('logs-hit-previous').click();
    await settle();
    expect(text('logs-hit-counter')).toBe('4 of 4');
    expect(currentLine()).toBe('log-line-420');
    expect(text('log-range')).toBe('Lines 401–450 of 450');
  });

  it('a text page that fails to load says so, and Retry loads it', async () => {
    const working = fake.handlers['logs:text']!;
    fake.handlers['logs:text'] = () => fail('NETWORK', 'connect ECONNREFUSED');
    await openScreen();
    await showTab('log');
    all('[data-testid="log-pages"] .n-pagination-item')
      .find((i) => i.textContent?.trim() === '2')!
      .click();
    await settle();
    expect(text('log-page-error')).toContain('This page of the terminal text could not be loaded');
    expect(text('log-range')).toBe('Lines 1–200 of 450'); // what was shown stays shown
    fake.handlers['logs:text'] = working;
    requireTestId('log-page-retry').click();
    await settle();
    expect(byTestId('log-page-error')).toBeNull();
    expect(text('log-range')).toBe('Lines 201–400 of 450');
  });

  it('shows that the logs are loading until the gateway answers', async () => {
    const logsAnswer = holdAnswers(fake, 'logs:get');
    const mounted = mountLive(SessionLogsScreen, {}, { locale: 'en' });
    wrapper = mounted.wrapper;
    const opened = useSessionLogsStore(mounted.pinia).open(fixture.logs.session);
    await settle();
    expect(text('logs-loading')).toBe('Loading the session logs…');
    expect(text('logs-title')).toBe('Session Logs · session #42'); // from the row it was opened from
    expect(byTestId('logs-tabs')).toBeNull();

    logsAnswer.release();
    await opened;
    await settle();
    expect(byTestId('logs-loading')).toBeNull();
    expect(byTestId('logs-tabs')).not.toBeNull();
  });

  it('spins over the shown text while another page loads', async () => {
    await openScreen();
    await showTab('log');
    expect(isSpinning('log-text')).toBe(false);
    const pageAnswer = holdAnswers(fake, 'logs:text');
    all('[data-testid="log-pages"] .n-pagination-item')
      .find((i) => i.textContent?.trim() === '2')!
      .click();
    await settle();
    expect(isSpinning('log-text')).toBe(true);
    expect(text('log-range')).toBe('Lines 1–200 of 450'); // what was shown stays shown meanwhile

    pageAnswer.release();
    await settle();
    expect(isSpinning('log-text')).toBe(false);
    expect(text('log-range')).toBe('Lines 201–400 of 450');
  });

  it('shows the search running until its hits arrive', async () => {
    await openScreen();
    await showTab('log');
    const searchButton = () => requireTestId('logs-search');
    expect(searchButton().classList.contains('n-button--loading')).toBe(false);
    const searchAnswer = holdAnswers(fake, 'logs:search');
    const input = requireTestId('logs-search-input') as HTMLInputElement;
    input.value = 'secret';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    searchButton().click();
    await settle();
    expect(searchButton().classList.contains('n-button--loading')).toBe(true);
    expect(byTestId('logs-hit-counter')).toBeNull();

    searchAnswer.release();
    await settle(8);
    expect(searchButton().classList.contains('n-button--loading')).toBe(false);
    expect(text('logs-hit-counter')).toBe('1 of 4');
  });

  it('says when no command was typed and the terminal text is empty', async () => {
    fixture.logs.commands = [];
    fixture.logs.text = pageOf([], 0, 200);
    await openScreen();
    await showTab('log');
    expect(byTestId('log-commands')).toBeNull();
    expect(text('log-commands-empty')).toBe('No commands were typed in this session');
    expect(byTestId('log-text')).toBeNull();
    expect(text('log-text-empty')).toBe('The session printed no text');
    expect(byTestId('log-range')).toBeNull();
  });

  it('says when nothing matches', async () => {
    await openScreen();
    await showTab('log');
    await search('kubectl');
    expect(text('logs-no-hits')).toBe('No matches for “kubectl”');
    expect(requireTestId('logs-hit-next').hasAttribute('disabled')).toBe(true);
    expect(document.querySelector('[data-testid="log-text"] mark')).toBeNull();
  });

  it('explains a text that cannot be shown', async () => {
    fixture.logs.text = {
      status: 'unavailable',
      message: 'The recording is missing',
      total: 0,
      offset: 0,
      items: [],
    };
    await openScreen();
    await showTab('log');
    expect(text('log-text-unavailable')).toContain('The recording is missing');
  });

  const problems: Array<[string, string, string, boolean]> = [
    ['FORBIDDEN', 'forbidden', 'You lack the Logs permission for this session', false],
    ['INVALID_STATE', 'live', 'The session is still live', true],
    ['NOT_FOUND', 'notFound', 'This session no longer exists on the gateway', false],
    ['NETWORK', 'network', 'The gateway cannot be reached', true],
  ];

  it.each(problems)('a %s answer says what to do', async (code, kind, title, retry) => {
    fake.handlers['logs:get'] = () => fail(code, 'refused');
    await openScreen();
    expect(requireTestId('logs-error').dataset.kind).toBe(kind);
    expect(text('logs-error')).toContain(title);
    expect(byTestId('logs-retry') !== null).toBe(retry);
    expect(byTestId('logs-tabs')).toBeNull();
  });

  it('Retry after a network error loads the logs', async () => {
    const working = fake.handlers['logs:get']!;
    fake.handlers['logs:get'] = () => fail('NETWORK', 'connect ECONNREFUSED');
    await openScreen();
    fake.handlers['logs:get'] = working;
    requireTestId('logs-retry').click();
    await settle();
    expect(byTestId('logs-error')).toBeNull();
    expect(byTestId('logs-tabs')).not.toBeNull();
    expect(fake.argsOf('logs:get')).toEqual([[42], [42]]);
  });

  it('speaks Portuguese (Brazil)', async () => {
    fixture.logs.riskyCommands = [];
    await openScreen('pt-BR');
    expect(text('logs-title')).toBe('Logs da sessão · sessão #42');
    expect(text('logs-tab-risky')).toBe('Comandos de risco');
    await showTab('risky');
    expect(text('risky-empty')).toContain('Nenhum comando de risco');
  });
});
