import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SESSION_CSV_COLUMNS } from '../../src/shared/api';
import { finishedSession, liveSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let admin: string;
let ids: number[];
let auditorId: number;
let operatorId: number;

beforeAll(async () => {
  gw = await createTestGateway();
  await gw.addUser('root.admin', 'System Administrator');
  auditorId = await gw.addUser('ana', 'PAM Auditor');
  await gw.addUser('bia', 'PAM Administrator');
  operatorId = await gw.addUser('olga', 'Operator');
  admin = await gw.login('root.admin');
  const base = Date.parse('2025-05-01T08:00:00Z');
  const sessions = [
    finishedSession('olga', base, {
      device: 'web-01',
      credential: 'root',
      originIp: '10.0.0.1',
      reason: 'CHG-100 deploy',
    }),
    finishedSession('olga', base + 3_600_000, {
      device: 'db-01',
      credential: 'postgres',
      protocol: 'ssh',
      errorMessage: 'Connection reset by peer',
    }),
    finishedSession('olga', base + 7_200_000, {
      device: 'win-01',
      credential: 'Administrator',
      protocol: 'rdp',
      proxy: 'RDP Proxy',
      originIp: '192.168.0.9',
    }),
    liveSession('olga', base + 10_800_000, {
      device: '=cmd|calc',
      credential: 'a,"quoted"\ncell',
      proxy: '@SUM(1)',
    }),
  ];
  ids = [];
  for (const s of sessions) {
    ids.push(
      await gw.store.sessions.insert({
        ...s,
        userId: operatorId,
        hash: `hash-${s.startedAt}`,
        startedAt: Number(s.startedAt),
      }),
    );
  }
});

afterAll(async () => {
  await gw.close();
});

const get = (url: string, token = admin) => gw.request({ method: 'GET', url, token });

describe('GET /api/v1/sessions', () => {
  test('newest first with the documented shape, ISO times and paging', async () => {
    const res = await get('/api/v1/sessions?pageSize=2&page=1');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(4);
    expect(body.page).toBe(1);
    expect(body.pageSize).toBe(2);
    expect(body.items.map((s: { id: number }) => s.id)).toEqual([ids[3], ids[2]]);
    const live = body.items[0];
    expect(live).toMatchObject({
      status: 'live',
      endedAt: null,
      durationMs: null,
      recording: null,
      user: { id: operatorId, login: 'olga', name: 'olga name' },
      startedAt: '2025-05-01T11:00:00.000Z',
    });
    const page2 = (await get('/api/v1/sessions?pageSize=2&page=2')).json();
    expect(page2.items.map((s: { id: number }) => s.id)).toEqual([ids[1], ids[0]]);
    expect((await get('/api/v1/sessions?pageSize=2&page=3')).json().items).toEqual([]);
  });

  test('filters', async () => {
    const ids_ = async (query: string) =>
      ((await get(`/api/v1/sessions?${query}`)).json().items as { id: number }[]).map((s) => s.id);
    expect(await ids_('protocol=rdp')).toEqual([ids[2]]);
    expect(await ids_('device=WEB')).toEqual([ids[0]]);
    expect(await ids_('user=OL')).toEqual([ids[3], ids[2], ids[1], ids[0]]);
    expect(await ids_('status=live')).toEqual([ids[3]]);
    expect(await ids_('q=chg-1')).toEqual([ids[0]]);
    expect(await ids_(`id=${ids[1]}`)).toEqual([ids[1]]);
    expect(await ids_('from=2025-05-01T09:00:00Z&to=2025-05-01T10:00:00Z')).toEqual([ids[2], ids[1]]);
    expect(await ids_('from=2025-05-01T10:00:00%2B02:00')).toEqual([ids[3], ids[2], ids[1], ids[0]]);
    expect(await ids_('originIp=192.')).toEqual([ids[2]]);
    expect(await ids_('credential=post&protocol=ssh')).toEqual([ids[1]]);
    expect(await ids_("device=' OR 1=1 --")).toEqual([]);
    expect(await ids_('device=%25')).toEqual([]);
    // Text filters find any part of the value, whatever its case.
    expect(await ids_('device=01')).toEqual([ids[2], ids[1], ids[0]]);
    expect(await ids_('credential=ISTRATOR')).toEqual([ids[2]]);
    expect(await ids_('originIp=.0.9')).toEqual([ids[2]]);
    expect(await ids_('user=lga')).toEqual([ids[3], ids[2], ids[1], ids[0]]);
    expect(await ids_('q=Deploy')).toEqual([ids[0]]);
  });

  test('GET /sessions/:id carries errorMessage and recording', async () => {
    const res = await get(`/api/v1/sessions/${ids[1]}`);
    expect(res.json()).toMatchObject({
      errorMessage: 'Connection reset by peer',
      recording: { size: 12_345, sha256: 'ab'.repeat(32) },
    });
  });
});

describe('CSV export', () => {
  test('streams a header row and every filtered row, quoted and formula-safe, and logs Exported Details', async () => {
    const before = (await gw.store.events.list({ type: 'Exported Details' }, 0, 10)).total;
    const res = await get('/api/v1/sessions/export.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="vigil-sessions-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe(SESSION_CSV_COLUMNS.join(','));
    expect(lines.at(-1)).toBe('');
    // The live row: device and proxy would be formulas; the credential needs quoting (comma, quote, newline).
    expect(res.body).toContain(
      `${ids[3]},hash-${Date.parse('2025-05-01T11:00:00Z')},olga,10.0.0.10,"a,""quoted""\ncell",'=cmd|calc,ssh,'@SUM(1),2025-05-01T11:00:00.000Z,,,live,no\r\n`,
    );
    expect(res.body).toContain(
      `${ids[0]},hash-${Date.parse('2025-05-01T08:00:00Z')},olga,10.0.0.1,root,web-01,ssh,SSH Proxy,2025-05-01T08:00:00.000Z,2025-05-01T08:10:00.000Z,600000,finished,no\r\n`,
    );
    const rdp = await get('/api/v1/sessions/export.csv?protocol=rdp');
    expect(rdp.body.split('\r\n').filter((l) => l !== '')).toHaveLength(2);
    const events = await gw.store.events.list({ type: 'Exported Details' }, 0, 10);
    expect(events.total).toBe(before + 2);
    expect(events.items[0]!.note).toContain('protocol=rdp');
  });
});

describe('prevent purge', () => {
  test('round trip with trimmed justification and events', async () => {
    const url = `/api/v1/sessions/${ids[0]}/prevent-purge`;
    const short = await gw.request({
      method: 'PUT',
      url,
      token: admin,
      payload: { justification: '   short   ' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toBe('The justification needs at least 10 characters');
    const blank = await gw.request({
      method: 'PUT',
      url,
      token: admin,
      payload: { justification: '          ' },
    });
    expect(blank.json().error.message).toBe('A justification is required');
    const long = await gw.request({
      method: 'PUT',
      url,
      token: admin,
      payload: { justification: 'x'.repeat(1001) },
    });
    expect(long.json().error.message).toBe('The justification may have at most 1000 characters');

    const set = await gw.request({
      method: 'PUT',
      url,
      token: admin,
      payload: { justification: '  Legal hold #42  ' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().preventPurge).toMatchObject({
      justification: 'Legal hold #42',
      by: { login: 'root.admin' },
    });
    expect(Date.parse(set.json().preventPurge.at)).toBeGreaterThan(0);
    const listed = (await get(`/api/v1/sessions?id=${ids[0]}`)).json().items[0];
    expect(listed.preventPurge.justification).toBe('Legal hold #42');
    expect((await get(`/api/v1/sessions/export.csv?id=${ids[0]}`)).body).toContain(',finished,yes\r\n');

    const noReason = await gw.request({
      method: 'DELETE',
      url,
      token: admin,
      payload: { justification: 'no' },
    });
    expect(noReason.statusCode).toBe(400);
    const cleared = await gw.request({
      method: 'DELETE',
      url,
      token: admin,
      payload: { justification: 'Hold lifted by legal' },
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().preventPurge).toBeNull();

    const events = (await gw.store.events.list({ sessionId: ids[0] }, 0, 10)).items;
    expect(events.map((e) => [e.type, e.note])).toEqual([
      ['Prevent purge cleared', 'Hold lifted by legal'],
      ['Prevent purge set', 'Legal hold #42'],
    ]);
    expect(events[0]!.actor?.login).toBe('root.admin');
  });
});

describe('auditors', () => {
  test('set, list, replace; only audit-role users; unknown ids refused; events list logins', async () => {
    const bia = (await gw.store.users.findByLogin('bia'))!.id;
    const url = `/api/v1/sessions/${ids[1]}/auditors`;
    expect((await get(url)).json()).toEqual({ auditors: [] });
    const put = (userIds: number[]) => gw.request({ method: 'PUT', url, token: admin, payload: { userIds } });

    const set = await put([auditorId, bia, auditorId]);
    expect(set.statusCode).toBe(200);
    expect(set.json().auditors.map((u: { login: string }) => u.login)).toEqual(['ana', 'bia']);

    const operator = await put([auditorId, operatorId]);
    expect(operator.statusCode).toBe(400);
    expect(operator.json().error).toMatchObject({
      code: 'NOT_AN_AUDITOR',
      message: expect.stringContaining('olga'),
    });
    const unknown = await put([auditorId, 424242]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toBe('Unknown user id: 424242');
    expect((await get(url)).json().auditors).toHaveLength(2);

    const replaced = await put([bia]);
    expect(replaced.json().auditors.map((u: { login: string }) => u.login)).toEqual(['bia']);
    const notes = (
      await gw.store.events.list({ sessionId: ids[1], type: 'Auditors changed' }, 0, 10)
    ).items.map((e) => e.note);
    expect(notes).toEqual([
      'Auditors: bia; added: (none); removed: ana',
      'Auditors: ana, bia; added: ana, bia; removed: (none)',
    ]);

    // The scoped auditor rule reaches the listed auditor at once.
    const anaToken = await gw.login('ana');
    expect((await get(`/api/v1/sessions/${ids[1]}`, anaToken)).json().allowedActions).toEqual([
      'logs',
      'video',
    ]);
  });

  test('GET /users lists only audit-role users', async () => {
    const res = await get('/api/v1/users');
    expect(res.statusCode).toBe(200);
    const logins = res.json().items.map((u: { login: string }) => u.login);
    expect(logins).toEqual(['ana', 'bia', 'root.admin']);
    expect(res.json().items[0]).toEqual({
      id: auditorId,
      login: 'ana',
      name: 'ana name',
      roles: ['PAM Auditor'],
    });
  });
});

describe('audit trail API', () => {
  test('lists events newest first with filters and paging', async () => {
    const all = (await get('/api/v1/audit/events?pageSize=500')).json();
    expect(all.total).toBeGreaterThan(5);
    const idsDesc = all.items.map((e: { id: number }) => e.id);
    expect(idsDesc).toEqual([...idsDesc].sort((a: number, b: number) => b - a));
    const purge = all.items.find((e: { type: string }) => e.type === 'Prevent purge set');
    expect(purge).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      type: 'Prevent purge set',
      actor: { id: expect.any(Number), login: 'root.admin', name: 'root.admin name' },
      originIp: '127.0.0.1',
      sessionId: ids[0],
      note: 'Legal hold #42',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const logins = (await get('/api/v1/audit/events?type=Login&actor=ROOT')).json();
    expect(logins.items.length).toBeGreaterThan(0);
    expect(
      logins.items.every(
        (e: { type: string; actor: { login: string } }) =>
          e.type === 'Login' && e.actor.login === 'root.admin',
      ),
    ).toBe(true);
    const byPart = (await get('/api/v1/audit/events?type=Login&actor=t.ADM')).json();
    expect(byPart.total).toBe(logins.total);
    const page = (await get('/api/v1/audit/events?pageSize=1&page=2')).json();
    expect(page.items[0].id).toBe(idsDesc[1]);
    const future = (await get('/api/v1/audit/events?from=2999-01-01T00:00:00Z')).json();
    expect(future).toEqual({ items: [], total: 0, page: 1, pageSize: 30 });
  });

  test('verify reports an intact chain', async () => {
    const res = await get('/api/v1/audit/verify');
    const events = (await gw.store.events.list({}, 0, 1)).total;
    expect(res.json()).toMatchObject({ ok: true, events, brokenAt: null, problem: null });
  });
});

describe('OpenAPI', () => {
  test('documents every route with its schemas', async () => {
    const doc = (await gw.request({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/alerts/socket',
        '/api/v1/audit/assigned',
        '/api/v1/audit/events',
        '/api/v1/audit/proof',
        '/api/v1/evidence',
        '/api/v1/search',
        '/api/v1/sessions/{id}/audit-mark',
        '/api/v1/audit/verify',
        '/api/v1/auth/login',
        '/api/v1/auth/logout',
        '/api/v1/me',
        '/api/v1/sessions',
        '/api/v1/sessions/export.csv',
        '/api/v1/sessions/{id}',
        '/api/v1/sessions/{id}/auditors',
        '/api/v1/sessions/{id}/events',
        '/api/v1/sessions/{id}/logs',
        '/api/v1/sessions/{id}/logs/text',
        '/api/v1/sessions/{id}/logs/search',
        '/api/v1/sessions/{id}/recording',
        '/api/v1/sessions/{id}/recording/manifest',
        '/api/v1/sessions/{id}/plays',
        '/api/v1/gateway/signing-key',
        '/api/v1/sessions/{id}/prevent-purge',
        '/api/v1/users',
        '/api/v1/blocks',
        '/api/v1/blocks/{id}/release',
        '/api/v1/sessions/updates',
        '/api/v1/sessions/{id}/drop',
        '/api/v1/sessions/{id}/interactivity',
        '/api/v1/sessions/{id}/live',
        '/api/v1/sessions/{id}/live-ticket',
      ].sort(),
    );
    expect(doc.paths['/api/v1/sessions'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'id',
        'hash',
        'user',
        'credential',
        'device',
        'originIp',
        'protocol',
        'proxy',
        'status',
        'from',
        'to',
        'q',
        'page',
        'pageSize',
      ]),
    );
  });
});
