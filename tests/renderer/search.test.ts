import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import SearchScreen from '../../src/renderer/src/components/search/SearchScreen.vue';
import { snippetParts, toSearchQuery } from '../../src/renderer/src/components/search/searchQuery';
import { maySearchSessions } from '../../src/renderer/src/components/search/searchAccess';
import { useNavigationStore } from '../../src/renderer/src/stores/navigation';
import { usePlayerStore } from '../../src/renderer/src/stores/player';
import { useEvidenceStore } from '../../src/renderer/src/stores/evidence';
import { useSearchStore } from '../../src/renderer/src/stores/search';
import { useSessionLogsStore } from '../../src/renderer/src/stores/sessionLogs';
import type { Session } from '../../src/shared/api';
import type { SearchHit, SearchResult } from '../../src/shared/search';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { auditorMe, makeSession } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, requireTestId, settle } from './support/mount';
import { logsHandlers, makeLogsFixture, type LogsFixture } from './support/sessionLogs';
import { makePlayerFixture, playerHandlers, type PlayerFixture } from './support/player';

const SESSION_ID = 41;
const OTHER_ID = 43;

const all = (selector: string) => [...document.querySelectorAll<HTMLElement>(selector)];
const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

function hitOf(
  session: Session,
  atMs: number,
  kind: SearchHit['kind'],
  snippet: string,
  line: number | null,
) {
  return {
    sessionId: session.id,
    atMs,
    kind,
    snippet,
    line,
    session: {
      login: session.user.login,
      name: session.user.name,
      device: session.device,
      credential: session.credential,
      protocol: session.protocol,
      startedAt: session.startedAt,
      status: session.status,
    },
  };
}

/**
 * The gateway's contract over a small corpus: every word must appear as a whole word (case
 * folded) in one snippet; the words' places come back as highlights.
 */
function answer(
  corpus: Omit<SearchHit, 'highlights'>[],
  q: string,
  page: number,
  pageSize: number,
): SearchResult {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const found = corpus.flatMap((hit) => {
    const highlights = words.map((word) => {
      const match = new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').exec(hit.snippet);
      return match ? { start: match.index, length: word.length } : null;
    });
    return highlights.every((h) => h !== null) ? [{ ...hit, highlights }] : [];
  });
  return { items: found.slice((page - 1) * pageSize, page * pageSize), total: found.length, page, pageSize };
}

describe('the Search screen', { timeout: 20_000 }, () => {
  let logs: LogsFixture;
  let video: PlayerFixture;
  let fake: FakeVigil;
  let corpus: Omit<SearchHit, 'highlights'>[];
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    logs = makeLogsFixture(SESSION_ID);
    const session = logs.logs.session;
    const other = makeSession(OTHER_ID, { status: 'finished', device: 'web-43.internal' });
    video = makePlayerFixture(SESSION_ID, { durationMs: 300_000 });
    video.library = [video.item];
    corpus = [
      hitOf(session, 101_000, 'command', 'cat /etc/secret.conf', null),
      hitOf(session, 105_000, 'text', '$ grep -r Secret /srv/app # pass 210', 210),
      hitOf(other, 4_000, 'text', 'echo "<b>secret</b>" > /tmp/x', 8),
    ];
    const sessions = new Map([
      [SESSION_ID, session],
      [OTHER_ID, other],
    ]);
    fake = installFakeVigil({
      ...logsHandlers(logs),
      ...playerHandlers(video),
      'sessions:get': (id) => {
        const found = sessions.get(id);
        return found ? ok(found) : fail('NOT_FOUND', 'Session not found');
      },
      'search:query': ({ q, page, pageSize }) => ok(answer(corpus, q, page ?? 1, pageSize ?? 30)),
    });
  });

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function openScreen(locale: 'en' | 'pt-BR' = 'en') {
    const mounted = mountLive(SearchScreen, {}, { locale });
    wrapper = mounted.wrapper;
    await settle();
    return mounted;
  }

  async function typeAndEnter(words: string): Promise<void> {
    const input = requireTestId('search-input') as HTMLInputElement;
    input.value = words;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await settle(1);
    // Enter in a text field submits its form, as a browser does.
    input.form!.requestSubmit();
    await settle(8);
  }

  it('searches on Enter and shows each hit under its session, the match marked', async () => {
    await openScreen();
    expect(text(requireTestId('search-prompt'))).toContain('press Enter');
    await typeAndEnter('  secret ');
    expect(fake.argsOf('search:query')).toEqual([[{ q: 'secret', page: 1, pageSize: 30 }]]);

    const groups = all('[data-testid="search-group"]');
    expect(groups.map((g) => g.dataset.sessionId)).toEqual([String(SESSION_ID), String(OTHER_ID)]);
    expect(text(groups[0]!.querySelector('[data-testid="search-group-user"]'))).toContain('ops.bob');
    expect(text(groups[0]!.querySelector('[data-testid="search-group-target"]'))).toBe('root@db-41.internal');
    expect(text(groups[0]!.querySelector('[data-testid="search-group-protocol"]'))).toBe('SSH');

    const hits = all('[data-testid="search-hit"]');
    expect(hits.map((h) => [h.dataset.kind, h.dataset.at, h.dataset.line])).toEqual([
      ['command', '101000', undefined],
      ['text', '105000', '210'],
      ['text', '4000', '8'],
    ]);
    expect(text(hits[0]!.querySelector('[data-testid="search-hit-clock"]'))).toBe('1:41');
    expect(text(hits[1]!)).toContain('line 211');
    expect(hits.map((h) => text(h.querySelector('[data-testid="search-hit-mark"]')))).toEqual([
      'secret',
      'Secret',
      'secret',
    ]);
    // The snippet is text: markup typed in a terminal stays visible as typed, never rendered.
    const third = hits[2]!.querySelector('[data-testid="search-hit-snippet"]')!;
    expect(third.textContent).toBe('echo "<b>secret</b>" > /tmp/x');
    expect(third.querySelector('b')).toBeNull();
    expect(text(requireTestId('search-total'))).toBe('3 hits in 2 sessions on this page');
  });

  it('offers an evidence bundle of the sessions whose hits are shown', async () => {
    const { pinia } = await openScreen();
    expect(byTestId('evidence-export')).toBeNull();
    await typeAndEnter('secret');
    expect(text(requireTestId('evidence-export'))).toBe('Export evidence bundle (2)');
    requireTestId('evidence-export').click();
    await settle();
    expect(useEvidenceStore(pinia).selection).toEqual({ sessionIds: [SESSION_ID, OTHER_ID] });
  });

  it('sends the list’s filters with the words and keeps them while paging', async () => {
    corpus = Array.from({ length: 45 }, (_, i) =>
      hitOf(logs.logs.session, i * 1000, 'text', `output secret line ${i}`, i),
    );
    const { pinia } = await openScreen();
    const store = useSearchStore(pinia);
    store.filters.user = ' ops.bob ';
    store.filters.device = 'db-41';
    store.filters.protocol = 'ssh';
    store.filters.period = [Date.parse('2025-01-01T00:00:00'), Date.parse('2025-01-02T00:00:00')];
    await typeAndEnter('secret');
    const first = fake.argsOf('search:query')[0]![0];
    expect(first).toMatchObject({ q: 'secret', user: 'ops.bob', device: 'db-41', protocol: 'ssh', page: 1 });
    expect(Date.parse(first.from!)).toBe(Date.parse('2025-01-01T00:00:00'));
    expect(Date.parse(first.to!)).toBe(Date.parse('2025-01-03T00:00:00') - 1);
    expect(first.credential).toBeUndefined();
    expect(all('[data-testid="search-hit"]')).toHaveLength(30);

    const pageTwo = all('[data-testid="search-pagination"] .n-pagination-item').find(
      (i) => i.textContent?.trim() === '2',
    );
    pageTwo!.click();
    await settle(8);
    expect(fake.argsOf('search:query')[1]![0]).toEqual({ ...first, page: 2 });
    expect(all('[data-testid="search-hit"]').map((h) => h.dataset.line)).toEqual(
      Array.from({ length: 15 }, (_, i) => String(30 + i)),
    );

    // Filters edited after the search do not leak into its pages until the next search.
    store.filters.user = 'someone.else';
    await store.goToPage(1);
    expect(fake.argsOf('search:query')[2]![0]).toEqual({ ...first, page: 1 });
  });

  it('says when nothing matched, and when the search failed', async () => {
    await openScreen();
    await typeAndEnter('zebra');
    expect(text(requireTestId('search-empty'))).toContain('No command or terminal line matches “zebra”');
    expect(byTestId('search-pagination')).toBeNull();

    fake.handlers['search:query'] = () => fail('FORBIDDEN', 'Missing permission PAM.SessionManagement.Logs');
    await typeAndEnter('secret');
    expect(text(requireTestId('search-error'))).toContain('Missing permission PAM.SessionManagement.Logs');
  });

  it('does not ask the gateway for blank words', async () => {
    await openScreen();
    await typeAndEnter('   ');
    expect(fake.argsOf('search:query')).toEqual([]);
    expect(byTestId('search-prompt')).not.toBeNull();
  });

  it('plays the session from the moment of the hit', async () => {
    const { pinia } = await openScreen();
    await typeAndEnter('secret');
    all('[data-testid="search-hit-open"]')[1]!.click();
    await settle(15);
    expect(fake.argsOf('sessions:get')).toEqual([[SESSION_ID]]);
    const player = usePlayerStore(pinia);
    expect(useNavigationStore(pinia).view).toBe('video');
    expect(player.session?.id).toBe(SESSION_ID);
    expect(player.phase).toBe('ready');
    // The first screen drawn on opening is replaced by the one at the hit's moment.
    expect(fake.argsOf('player:screenAt').map(([input]) => input.atMs)).toEqual([0, 105_000]);
    expect(player.currentMs).toBe(105_000);
    expect(player.playing).toBe(false);
    expect(player.origin).toBe('search');
    player.close();
    expect(useNavigationStore(pinia).view).toBe('search');
  });

  it('opens Session Logs at the line of a text hit, and Back returns to Search', async () => {
    const { pinia } = await openScreen();
    await typeAndEnter('secret');
    all('[data-testid="search-hit-logs"]')[1]!.click();
    await settle(15);
    const sessionLogs = useSessionLogsStore(pinia);
    const navigation = useNavigationStore(pinia);
    expect(navigation.view).toBe('sessionLogs');
    expect(sessionLogs.tab).toBe('log');
    expect(sessionLogs.page?.offset).toBe(200);
    expect(sessionLogs.focus).toEqual({ kind: 'line', n: 210 });
    expect(fake.argsOf('logs:text')).toEqual([[{ sessionId: SESSION_ID, offset: 200, limit: 200 }]]);
    sessionLogs.close();
    expect(navigation.view).toBe('search');
    expect(all('[data-testid="search-hit"]')).toHaveLength(3);
  });

  it('opens Session Logs on the command a command hit matched', async () => {
    const { pinia } = await openScreen();
    await typeAndEnter('secret');
    all('[data-testid="search-hit-logs"]')[0]!.click();
    await settle(15);
    const sessionLogs = useSessionLogsStore(pinia);
    expect(sessionLogs.tab).toBe('log');
    expect(sessionLogs.focus).toEqual({ kind: 'command', n: 1 });
  });

  it('says so when the session may not be watched', async () => {
    logs.logs.session = { ...logs.logs.session, allowedActions: ['logs'] };
    fake.handlers['sessions:get'] = () => ok(logs.logs.session);
    const { pinia } = await openScreen();
    await typeAndEnter('secret');
    all('[data-testid="search-hit-open"]')[0]!.click();
    await settle(10);
    expect(useNavigationStore(pinia).view).not.toBe('video');
    expect(fake.argsOf('player:open')).toEqual([]);
    expect(text(requireTestId('search-open-problem'))).toContain(
      'You may not watch the video of this session.',
    );
  });

  it('speaks Portuguese', async () => {
    await openScreen('pt-BR');
    await typeAndEnter('secret');
    expect(text(requireTestId('search-total'))).toBe('3 resultados em 2 sessões nesta página');
    expect(requireTestId('search-submit').textContent?.trim()).toBe('Pesquisar');
  });
});

describe('search helpers', () => {
  it('cuts a snippet at its highlights, clipping and merging bad ranges', () => {
    const parts = snippetParts('sudo cat /etc/shadow', [
      { start: 9, length: 11 },
      { start: 14, length: 3 },
      { start: 0, length: 4 },
      { start: 40, length: 2 },
      { start: -3, length: 1 },
    ]);
    expect(parts).toEqual([
      { text: 'sudo', hit: true },
      { text: ' cat ', hit: false },
      { text: '/etc/shadow', hit: true },
    ]);
    expect(parts.map((p) => p.text).join('')).toBe('sudo cat /etc/shadow');
    expect(snippetParts('', [])).toEqual([{ text: '', hit: false }]);
  });

  it('leaves blank filters out of the query and refuses blank words', () => {
    const none = { user: ' ', device: '', credential: '', protocol: null, period: null };
    expect(toSearchQuery(' ', none, 1, 30)).toBeNull();
    expect(toSearchQuery('a b', { ...none, credential: ' root ' }, 3, 10)).toEqual({
      q: 'a b',
      credential: 'root',
      page: 3,
      pageSize: 10,
    });
  });

  it('offers Search to everyone in the audit area, as the gateway does', () => {
    expect(maySearchSessions(auditorMe)).toBe(true);
    // A scoped auditor finds what is in the sessions they are listed on.
    expect(maySearchSessions({ roles: ['PAM Auditor'], permissions: [] })).toBe(true);
    expect(maySearchSessions({ roles: ['Operator'], permissions: ['PAM.SessionManagement.Logs'] })).toBe(
      false,
    );
  });
});
