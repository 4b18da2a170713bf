import { describe, expect, it } from 'vitest';
import type { SearchResult } from '../../src/shared/search';
import { finishedSession, seedDataDir } from '../support/gateway';
import { seedSessionLogs } from '../support/sessionLogsSeed';
import { value } from './helpers/services';
import { useAdminApp } from './helpers/testApp';

const PAT_PASSWORD = 'pat-password-for-search';
const STARTED = Date.parse('2026-03-04T09:00:00Z');

describe('the search:query channel against a real gateway process', () => {
  let aliceId: number;
  let bobId: number;

  const app = useAdminApp('vigil-search-main-', async (gateway) => {
    const seeded = await seedDataDir(gateway.dataDir, {
      users: [{ login: 'pat', name: 'Pat Auditor', role: 'PAM Auditor', password: PAT_PASSWORD }],
      revoke: [{ role: 'PAM Auditor', permission: 'PAM.SessionManagement.Logs' }],
      sessions: [
        finishedSession('alice', STARTED, { device: 'db-01', credential: 'postgres' }),
        finishedSession('bob', STARTED + 3_600_000, { device: 'web-02', credential: 'deploy' }),
      ],
      auditors: [{ session: { index: 1 }, logins: ['pat'] }],
    });
    [aliceId, bobId] = seeded.sessionIds as [number, number];
    await seedSessionLogs(gateway.dataDir, aliceId, STARTED, {
      commands: [{ offsetMs: 12_000, command: 'pg_dump --table=ledger billing' }],
    });
    await seedSessionLogs(gateway.dataDir, bobId, STARTED + 3_600_000, {
      commands: [{ offsetMs: 7_000, command: 'curl -o ledger.csv https://intranet/export' }],
    });
  });
  const { call, signIn } = app;

  /** Typed commands are indexed shortly after they are written: asks until `count` hits are in. */
  async function searchFor(query: Record<string, unknown>, count: number): Promise<SearchResult> {
    let last: SearchResult | null = null;
    await expect
      .poll(
        async () => {
          last = value(await call('search:query', query));
          return last.total;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(count);
    return last!;
  }

  it('finds the word in every session, newest first, with the moment and the session', async () => {
    const found = await searchFor({ q: 'ledger' }, 2);
    expect(found.items.map((h) => [h.sessionId, h.kind, h.atMs, h.line])).toEqual([
      [bobId, 'command', 7_000, null],
      [aliceId, 'command', 12_000, null],
    ]);
    const alice = found.items[1]!;
    expect(alice.session).toMatchObject({
      login: 'alice',
      device: 'db-01',
      credential: 'postgres',
      protocol: 'ssh',
    });
    const [mark] = alice.highlights;
    expect(alice.snippet.slice(mark!.start, mark!.start + mark!.length).toLowerCase()).toBe('ledger');
  });

  it('passes the list’s filters and paging on to the gateway', async () => {
    const byDevice = value(await call('search:query', { q: 'ledger', device: 'db-01' }));
    expect(byDevice.items.map((h) => h.sessionId)).toEqual([aliceId]);
    const byCredential = value(await call('search:query', { q: 'ledger', credential: 'deploy' }));
    expect(byCredential.items.map((h) => h.sessionId)).toEqual([bobId]);
    const secondPage = value(await call('search:query', { q: 'ledger', page: 2, pageSize: 1 }));
    expect(secondPage).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(secondPage.items.map((h) => h.sessionId)).toEqual([aliceId]);
  });

  it('refuses a bad query before the gateway is asked, naming what is wrong', async () => {
    const before = app.gateway.output().length;
    const blank = await call('search:query', { q: '' });
    expect(blank).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    if (!blank.ok) expect(blank.error.message).toContain('q');
    const unknown = await call('search:query', { q: 'ledger', status: 'live' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(app.gateway.output().slice(before)).not.toContain('/search');
  });

  it('shows an auditor without the Logs permission only the sessions they audit', async () => {
    value(await call('auth:logout'));
    await signIn('pat', PAT_PASSWORD);
    const found = value(await call('search:query', { q: 'ledger' }));
    expect(found.items.map((h) => h.sessionId)).toEqual([bobId]);
  });
});
