import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { finishedSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let admin: string;
/** ana and bia (PAM Administrators) see every session; sami (a PAM Auditor without permissions) only those he audits. */
let users: { admin: number; ana: number; bia: number; sami: number; olga: number };
/** Oldest first: ana audits S1, S2, S3; sami audits S2; bia audits S3; nobody audits S4. */
let S: [number, number, number, number];
const base = Date.parse('2025-07-01T08:00:00Z');

beforeAll(async () => {
  gw = await createTestGateway();
  users = {
    admin: await gw.addUser('root.admin', 'System Administrator'),
    ana: await gw.addUser('ana', 'PAM Administrator'),
    bia: await gw.addUser('bia', 'PAM Administrator'),
    sami: await gw.addUser('sami', 'PAM Auditor'),
    olga: await gw.addUser('olga', 'Operator'),
  };
  for (const p of await gw.store.users.permissionsOf('PAM Auditor'))
    await gw.store.users.revoke('PAM Auditor', p);
  admin = await gw.login('root.admin');
  const ids: number[] = [];
  for (const [i, protocol] of (['ssh', 'rdp', 'ssh', 'ssh'] as const).entries()) {
    const s = finishedSession('olga', base + i * 3_600_000, { protocol, device: `host-${i + 1}` });
    ids.push(
      await gw.store.sessions.insert({
        ...s,
        userId: users.olga,
        hash: `audit-${i}`,
        startedAt: Number(s.startedAt),
      }),
    );
  }
  S = ids as [number, number, number, number];
  const assign = async (session: number, userIds: number[]) => {
    const res = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${session}/auditors`,
      token: admin,
      payload: { userIds },
    });
    expect(res.statusCode).toBe(200);
  };
  await assign(S[0], [users.ana]);
  await assign(S[1], [users.ana, users.sami]);
  await assign(S[2], [users.ana, users.bia]);
});

afterAll(async () => {
  await gw.close();
});

const get = (url: string, token: string) => gw.request({ method: 'GET', url, token });
const mark = (session: number, token: string, payload: Record<string, unknown>) =>
  gw.request({ method: 'PUT', url: `/api/v1/sessions/${session}/audit-mark`, token, payload });

interface Assigned {
  session: { id: number; auditors: { login: string }[] };
  audited: boolean;
  comment: string;
  updatedAt: string | null;
}

async function assigned(token: string, query = ''): Promise<{ total: number; items: Assigned[] }> {
  const res = await get(`/api/v1/audit/assigned${query}`, token);
  expect(res.statusCode).toBe(200);
  return res.json();
}

const ids = (items: Assigned[]) => items.map((i) => i.session.id);

async function markEvents(session: number) {
  return (await gw.store.events.list({ sessionId: session, type: 'Audit status changed' }, 0, 50)).items;
}

describe('Sessions for audit', () => {
  test("lists the caller's own assignments newest first, with paging and each session's auditors", async () => {
    const ana = await gw.login('ana');
    const all = await assigned(ana);
    expect(all.total).toBe(3);
    expect(ids(all.items)).toEqual([S[2], S[1], S[0]]);
    expect(all.items[0]).toMatchObject({ audited: false, comment: '', updatedAt: null });
    expect(all.items[0]!.session.auditors.map((u) => u.login)).toEqual(['ana', 'bia']);
    expect(all.items[1]!.session.auditors.map((u) => u.login)).toEqual(['ana', 'sami']);

    const page2 = await get('/api/v1/audit/assigned?pageSize=2&page=2', ana);
    expect(page2.json()).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(ids(page2.json().items)).toEqual([S[0]]);

    expect(ids((await assigned(await gw.login('sami'))).items)).toEqual([S[1]]);
    expect(await assigned(admin)).toEqual({ items: [], total: 0, page: 1, pageSize: 30 });
  });

  test('an auditor marks a session audited with a trimmed comment, and clears it; each change is an event', async () => {
    const ana = await gw.login('ana');
    const set = await mark(S[1], ana, { audited: true, comment: '  Reviewed: commands match CHG-7  ' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      sessionId: S[1],
      audited: true,
      comment: 'Reviewed: commands match CHG-7',
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const [event] = await markEvents(S[1]);
    expect(event).toMatchObject({
      note: 'Audited: yes — Reviewed: commands match CHG-7',
      actor: { login: 'ana' },
    });

    // The mark is the auditor's own: sami's mark on the same session is untouched.
    const anaRow = (await assigned(ana)).items.find((i) => i.session.id === S[1])!;
    expect(anaRow).toMatchObject({ audited: true, comment: 'Reviewed: commands match CHG-7' });
    expect((await assigned(await gw.login('sami'))).items[0]).toMatchObject({ audited: false, comment: '' });

    // Sending the same mark again changes nothing and logs nothing.
    expect(
      (await mark(S[1], ana, { audited: true, comment: 'Reviewed: commands match CHG-7' })).statusCode,
    ).toBe(200);
    expect(await markEvents(S[1])).toHaveLength(1);

    const cleared = await mark(S[1], ana, { audited: false, comment: '   ' });
    expect(cleared.json()).toMatchObject({ audited: false, comment: '' });
    expect((await markEvents(S[1])).map((e) => e.note)).toEqual([
      'Audited: no — (no comment)',
      'Audited: yes — Reviewed: commands match CHG-7',
    ]);
  });

  test('filters audited and not yet audited', async () => {
    const ana = await gw.login('ana');
    expect((await mark(S[0], ana, { audited: true, comment: 'ok' })).statusCode).toBe(200);
    expect((await mark(S[2], ana, { audited: false, comment: 'look at minute 3 again' })).statusCode).toBe(
      200,
    );
    const audited = await assigned(ana, '?audited=true');
    expect(audited.total).toBe(1);
    expect(ids(audited.items)).toEqual([S[0]]);
    const notYet = await assigned(ana, '?audited=false');
    expect(ids(notYet.items)).toEqual([S[2], S[1]]);
    expect(notYet.items[0]).toMatchObject({ comment: 'look at minute 3 again', audited: false });
    expect((await markEvents(S[2]))[0]!.note).toBe('Audited: no — look at minute 3 again');
  });

  test('reconfiguring the auditors keeps the marks of those who stay', async () => {
    const ana = await gw.login('ana');
    const res = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${S[0]}/auditors`,
      token: admin,
      payload: { userIds: [users.ana, users.bia] },
    });
    expect(res.statusCode).toBe(200);
    expect((await assigned(ana, '?audited=true')).items[0]).toMatchObject({ audited: true, comment: 'ok' });
  });

  test('refusals: not an auditor of the session (403), unknown or unseen session (404), bad input (400)', async () => {
    const bia = await gw.login('bia');
    const notMine = await mark(S[1], bia, { audited: true, comment: '' });
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().error).toEqual({
      code: 'FORBIDDEN',
      message: 'Only the auditors of this session can mark it audited',
    });
    expect((await mark(S[3], admin, { audited: true, comment: '' })).statusCode).toBe(403);
    // Sending the untouched mark of a session one audits is no change: nothing is logged.
    const sami = await gw.login('sami');
    const untouched = await mark(S[1], sami, { audited: false, comment: '' });
    expect(untouched.json()).toEqual({ sessionId: S[1], audited: false, comment: '', updatedAt: null });
    expect((await markEvents(S[1])).filter((e) => e.actor?.login === 'sami')).toEqual([]);
    expect((await mark(999_999, bia, { audited: true, comment: '' })).statusCode).toBe(404);
    // A scoped auditor is not told whether sessions he may not see exist.
    expect((await mark(S[0], await gw.login('sami'), { audited: true, comment: '' })).statusCode).toBe(404);
    expect((await get('/api/v1/audit/assigned', await gw.login('olga'))).statusCode).toBe(403);
    expect((await gw.request({ method: 'GET', url: '/api/v1/audit/assigned' })).statusCode).toBe(401);

    const ana = await gw.login('ana');
    const long = await mark(S[1], ana, { audited: true, comment: 'x'.repeat(2001) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.message).toBe('The comment may have at most 2000 characters');
    const padded = await mark(S[1], ana, { audited: true, comment: ` ${'x'.repeat(2000)} ` });
    expect(padded.statusCode).toBe(200);
    expect(padded.json().comment).toHaveLength(2000);
    for (const payload of [
      { comment: 'no flag' },
      { audited: 'yes', comment: '' },
      { audited: true },
      {
        audited: true,
        comment: '',
        extra: 1,
      },
    ]) {
      expect((await mark(S[1], ana, payload)).statusCode).toBe(400);
    }
    expect((await get('/api/v1/audit/assigned?audited=maybe', ana)).statusCode).toBe(400);
    expect((await get('/api/v1/audit/assigned?pageSize=0', ana)).statusCode).toBe(400);
    expect((await get('/api/v1/sessions?assignedToMe=1', ana)).statusCode).toBe(400);
  });
});

describe('the sessions list', () => {
  const listIds = async (token: string, query: string) => {
    const res = await get(`/api/v1/sessions?${query}`, token);
    expect(res.statusCode).toBe(200);
    return (res.json().items as { id: number }[]).map((s) => s.id);
  };

  test('shows each session’s auditors by name', async () => {
    const res = await get('/api/v1/sessions', admin);
    const auditorsOf = new Map(
      (res.json().items as { id: number; auditors: { login: string; name: string }[] }[]).map((s) => [
        s.id,
        s.auditors.map((u) => u.login),
      ]),
    );
    expect(auditorsOf.get(S[3])).toEqual([]);
    expect(auditorsOf.get(S[2])).toEqual(['ana', 'bia']);
    expect(auditorsOf.get(S[1])).toEqual(['ana', 'sami']);
    expect(auditorsOf.get(S[0])).toEqual(['ana', 'bia']);
    const one = (await get(`/api/v1/sessions/${S[1]}`, admin)).json();
    expect(one.auditors).toEqual([
      { id: users.ana, login: 'ana', name: 'ana name' },
      { id: users.sami, login: 'sami', name: 'sami name' },
    ]);
  });

  test('"Assigned to me" keeps the sessions the caller audits, with the other filters', async () => {
    const ana = await gw.login('ana');
    expect(await listIds(ana, 'assignedToMe=true')).toEqual([S[2], S[1], S[0]]);
    expect(await listIds(ana, 'assignedToMe=true&protocol=rdp')).toEqual([S[1]]);
    expect(await listIds(ana, 'assignedToMe=true&device=host-3')).toEqual([S[2]]);
    expect(await listIds(ana, 'assignedToMe=false')).toEqual([S[3], S[2], S[1], S[0]]);
    const page = (await get('/api/v1/sessions?assignedToMe=true&pageSize=2&page=2', ana)).json();
    expect(page.total).toBe(3);
    expect(page.items.map((s: { id: number }) => s.id)).toEqual([S[0]]);
    expect(await listIds(await gw.login('bia'), 'assignedToMe=true')).toEqual([S[2], S[0]]);
    expect(await listIds(await gw.login('sami'), 'assignedToMe=true')).toEqual([S[1]]);
    expect(await listIds(admin, 'assignedToMe=true')).toEqual([]);
  });

  test('the CSV export follows "Assigned to me"', async () => {
    const res = await get('/api/v1/sessions/export.csv?assignedToMe=true', await gw.login('bia'));
    expect(res.statusCode).toBe(200);
    const rows = res.body
      .split('\r\n')
      .filter((l) => l !== '')
      .slice(1);
    expect(rows.map((r) => Number(r.split(',')[0]))).toEqual([S[2], S[0]]);
    const [exported] = (await gw.store.events.list({ type: 'Exported Details' }, 0, 1)).items;
    expect(exported!.note).toContain('assignedToMe=true');
  });
});
