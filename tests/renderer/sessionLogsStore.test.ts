import { beforeEach, describe, expect, it } from 'vitest';
import { useAuthStore } from '../../src/renderer/src/stores/auth';
import { useNavigationStore } from '../../src/renderer/src/stores/navigation';
import { pageOffsetOf, useSessionLogsStore } from '../../src/renderer/src/stores/sessionLogs';
import { fail, ok } from '../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './support/fakeVigil';
import { authState } from './support/fixtures';
import { freshPinia } from './support/mount';
import { logsHandlers, makeLogsFixture, pageOf, type LogsFixture } from './support/sessionLogs';

describe('the sessionLogs store', () => {
  let fixture: LogsFixture;
  let fake: FakeVigil;

  beforeEach(() => {
    fixture = makeLogsFixture(42);
    fake = installFakeVigil(logsHandlers(fixture));
    freshPinia();
    const auth = useAuthStore();
    auth.state = authState;
    auth.phase = 'signedIn';
  });

  const hitKeys = (store: ReturnType<typeof useSessionLogsStore>) =>
    store.hits.map((h) => `${h.kind}:${h.n}`);

  it('opens with what logs:get returned, the first text page included, without asking for it again', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    expect(useNavigationStore().view).toBe('sessionLogs');
    expect(fake.argsOf('logs:get')).toEqual([[42]]);
    expect(fake.argsOf('logs:text')).toEqual([]);
    expect(store.page?.offset).toBe(0);
    expect(store.page?.items).toHaveLength(200);
    expect(store.tab).toBe('session');
  });

  it('fetches a text page once, and shows it from memory the next time', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    await store.showPage(400);
    expect(store.page?.items.map((l) => l.n)).toEqual(Array.from({ length: 50 }, (_, i) => 400 + i));
    await store.showPage(0);
    await store.showPage(400);
    expect(fake.argsOf('logs:text')).toEqual([[{ sessionId: 42, offset: 400, limit: 200 }]]);
  });

  it('searches, then next and previous visit the hits in session order, loading the page of each line', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    store.query = '  SECRET ';
    await store.search();
    expect(fake.argsOf('logs:search')).toEqual([[{ sessionId: 42, q: 'SECRET' }]]);
    expect(hitKeys(store)).toEqual(['line:5', 'command:1', 'line:210', 'line:420']);
    expect(store.focus).toEqual({ kind: 'line', n: 5 });

    await store.nextHit();
    expect(store.focus).toEqual({ kind: 'command', n: 1 });
    expect(store.page?.offset).toBe(0); // a command needs no page
    await store.nextHit();
    expect(store.focus).toEqual({ kind: 'line', n: 210 });
    expect(store.page?.offset).toBe(200);
    await store.nextHit();
    expect(store.page?.offset).toBe(400);
    await store.nextHit(); // after the last, the first again
    expect(store.focus).toEqual({ kind: 'line', n: 5 });
    expect(store.page?.offset).toBe(0);
    await store.previousHit();
    expect(store.focus).toEqual({ kind: 'line', n: 420 });
    expect(store.hitIndex).toBe(3);
    expect(fake.argsOf('logs:text').map(([input]) => input.offset)).toEqual([200, 400]);
  });

  it('does not move the focus to a line whose page failed to load, and says why', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    store.query = 'secret';
    await store.search();
    fake.handlers['logs:text'] = () => fail('NETWORK', 'connect ECONNREFUSED');
    await store.goToHit(2);
    expect(store.pageError?.code).toBe('NETWORK');
    expect(store.page?.offset).toBe(0);
    expect(store.focus).toEqual({ kind: 'line', n: 5 });

    fake.handlers['logs:text'] = logsHandlers(fixture)['logs:text'];
    await store.retryPage();
    expect(store.pageError).toBeNull();
    expect(store.page?.offset).toBe(200);
    expect(store.focus).toEqual({ kind: 'line', n: 210 });
  });

  it('searching again for the same words moves to the next hit without asking the gateway again', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    store.query = 'secret';
    await store.search();
    store.query = ' secret';
    await store.search();
    expect(store.hitIndex).toBe(1);
    expect(fake.argsOf('logs:search')).toHaveLength(1);
    store.query = 'output line 7';
    await store.search();
    expect(fake.argsOf('logs:search')).toHaveLength(2);
    expect(store.hitIndex).toBe(0);
  });

  it('an empty search clears the hits without calling the gateway', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    store.query = 'secret';
    await store.search();
    store.query = '   ';
    await store.search();
    expect(store.results).toBeNull();
    expect(store.focus).toBeNull();
    expect(fake.argsOf('logs:search')).toHaveLength(1);
  });

  it('keeps the answer of the newest page request when older ones arrive later', async () => {
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    const pending: Array<() => void> = [];
    fake.handlers['logs:text'] = ({ offset, limit }) =>
      new Promise((resolve) => pending.push(() => resolve(ok(pageOf(fixture.lines, offset, limit ?? 200)))));
    const slow = store.showPage(200);
    const fast = store.showPage(400);
    pending[1]!();
    await fast;
    pending[0]!();
    await slow;
    expect(store.page?.offset).toBe(400);
  });

  it('keeps the error of a failed open, and closing goes back to the list and forgets the session', async () => {
    fake.handlers['logs:get'] = () => fail('INVALID_STATE', 'The session is live');
    const store = useSessionLogsStore();
    await store.open(fixture.logs.session);
    expect(store.error?.code).toBe('INVALID_STATE');
    expect(store.logs).toBeNull();
    store.close();
    expect(useNavigationStore().view).toBe('sessions');
    expect(store.summary).toBeNull();
    expect(store.error).toBeNull();
  });

  it('finds the page of a line', () => {
    expect([0, 199, 200, 401].map(pageOffsetOf)).toEqual([0, 0, 200, 400]);
  });
});
