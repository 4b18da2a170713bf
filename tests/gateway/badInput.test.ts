import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { InjectOptions } from 'fastify';
import { finishedSession } from '../support/gateway';
import { createTestGateway, snapshot, type TestGateway } from '../support/gatewayApp';

/** Bad input: always a 4xx with {error:{code,message}}, never a 500, and nothing changes. */
let gw: TestGateway;
let token: string;
let sessionId: number;

const BIG = 'A'.repeat(100 * 1024);
const UNICODE = 'Ñoño 日本語 🙂 \u202e\u0000';
const SQLISH = "' OR 1=1; DROP TABLE sessions; --";

beforeAll(async () => {
  gw = await createTestGateway();
  await gw.addUser('admin', 'System Administrator');
  const op = await gw.addUser('op', 'Operator');
  token = await gw.login('admin');
  const s = finishedSession('op', Date.parse('2025-01-01T00:00:00Z'));
  sessionId = await gw.store.sessions.insert({
    ...s,
    userId: op,
    hash: 'abc123',
    startedAt: Number(s.startedAt),
  });
});

afterAll(async () => {
  await gw.close();
});

type Case = [name: string, request: InjectOptions, status?: number];

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const json = (payload: unknown): Partial<InjectOptions> => ({
  payload: JSON.stringify(payload),
  headers: { 'content-type': 'application/json' },
});

function cases(): Case[] {
  const s = `/api/v1/sessions/${sessionId}`;
  const list: Case[] = [];
  const listQueries: Record<string, string>[] = [
    { page: '-1' },
    { page: '0' },
    { page: '1000000000' },
    { page: 'abc' },
    { page: '1.5' },
    { pageSize: '0' },
    { pageSize: '501' },
    { pageSize: '-30' },
    { pageSize: '1e400' },
    { id: '-5' },
    { id: '0' },
    { id: '2.5' },
    { id: '99999999999999999999999' },
    { id: SQLISH },
    { protocol: 'ftp' },
    { protocol: 'SSH' },
    { status: 'running' },
    { from: 'yesterday' },
    { from: '2025-13-40T00:00:00Z' },
    { from: '2025-02-30T00:00:00Z' },
    { to: '2025-01-01' },
    { from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' },
    { hash: BIG },
    { user: BIG },
    { device: BIG },
    { q: BIG },
    { user: '' },
    { unknown: '1' },
  ];
  for (const query of listQueries) {
    list.push([
      `GET /sessions?${JSON.stringify(query).slice(0, 60)}`,
      { method: 'GET', url: `/api/v1/sessions?${q(query)}` },
      400,
    ]);
    list.push([
      `GET /sessions/export.csv?${JSON.stringify(query).slice(0, 60)}`,
      { method: 'GET', url: `/api/v1/sessions/export.csv?${q(query)}` },
      400,
    ]);
  }
  list.push(['GET /sessions?user=a&user=b', { method: 'GET', url: '/api/v1/sessions?user=a&user=b' }, 400]);
  for (const id of ['abc', '0', '-1', '1.5', '9007199254740993', SQLISH, UNICODE]) {
    list.push([
      `GET /sessions/${id.slice(0, 20)}`,
      { method: 'GET', url: `/api/v1/sessions/${encodeURIComponent(id)}` },
      400,
    ]);
  }
  list.push([
    'GET /sessions/<100KB id>',
    { method: 'GET', url: `/api/v1/sessions/${'9'.repeat(100 * 1024)}` },
    400,
  ]);
  list.push(['GET /nope', { method: 'GET', url: '/api/v1/nope' }, 404]);
  list.push([
    'POST /sessions (no such route)',
    { method: 'POST', url: '/api/v1/sessions', ...json({}) },
    404,
  ]);

  const bodies: [string, unknown][] = [
    ['missing field', {}],
    ['number', { justification: 12345678901 }],
    ['null', { justification: null }],
    ['array', ['Legal hold for case 42']],
    ['extra field', { justification: 'Legal hold for case 42', by: 1 }],
    ['100 KB', { justification: BIG }],
    ['too short unicode', { justification: '🙂🙂🙂' }],
    ['blank', { justification: '\n\t   ' }],
  ];
  for (const [name, body] of bodies) {
    list.push([
      `PUT prevent-purge ${name}`,
      { method: 'PUT', url: `${s}/prevent-purge`, ...json(body) },
      400,
    ]);
    list.push([
      `DELETE prevent-purge ${name}`,
      { method: 'DELETE', url: `${s}/prevent-purge`, ...json(body) },
      400,
    ]);
  }
  list.push([
    'PUT prevent-purge invalid JSON',
    {
      method: 'PUT',
      url: `${s}/prevent-purge`,
      payload: '{"justification": ',
      headers: { 'content-type': 'application/json' },
    },
    400,
  ]);
  list.push([
    'PUT prevent-purge empty body',
    {
      method: 'PUT',
      url: `${s}/prevent-purge`,
      payload: '',
      headers: { 'content-type': 'application/json' },
    },
    400,
  ]);
  list.push([
    'PUT prevent-purge text/plain',
    {
      method: 'PUT',
      url: `${s}/prevent-purge`,
      payload: 'Legal hold for case 42',
      headers: { 'content-type': 'text/plain' },
    },
    400,
  ]);
  list.push([
    'PUT prevent-purge 2 MB body',
    { method: 'PUT', url: `${s}/prevent-purge`, ...json({ justification: 'x'.repeat(2 * 1024 * 1024) }) },
    400,
  ]);

  const auditorBodies: [string, unknown][] = [
    ['missing', {}],
    ['not an array', { userIds: 1 }],
    ['strings', { userIds: ['1'] }],
    ['negative', { userIds: [-1] }],
    ['float', { userIds: [1.5] }],
    ['nested', { userIds: [[1]] }],
    ['too many', { userIds: Array.from({ length: 201 }, (_, i) => i + 1) }],
    ['unknown id', { userIds: [987654] }],
    ['operator', { userIds: [2] }],
    ['sql', { userIds: SQLISH }],
  ];
  for (const [name, body] of auditorBodies) {
    list.push([`PUT auditors ${name}`, { method: 'PUT', url: `${s}/auditors`, ...json(body) }, 400]);
  }

  const eventQueries: Record<string, string>[] = [
    { type: 'Nope' },
    { sessionId: 'abc' },
    { actor: BIG },
    { page: '-2' },
    { from: 'not a date' },
    { extra: 'x' },
  ];
  for (const query of eventQueries) {
    list.push([
      `GET /audit/events?${JSON.stringify(query).slice(0, 40)}`,
      { method: 'GET', url: `/api/v1/audit/events?${q(query)}` },
      400,
    ]);
  }

  const logins: [string, unknown][] = [
    ['missing password', { username: 'admin' }],
    ['number username', { username: 42, password: 'x' }],
    ['100 KB username', { username: BIG, password: 'x' }],
    ['100 KB password', { username: 'admin', password: BIG }],
    ['extra field', { username: 'admin', password: 'admin-password', admin: true }],
    ['empty strings', { username: '', password: '' }],
    ['array', [{ username: 'admin', password: 'admin-password' }]],
  ];
  for (const [name, body] of logins) {
    list.push([
      `POST /auth/login ${name}`,
      { method: 'POST', url: '/api/v1/auth/login', ...json(body) },
      400,
    ]);
  }
  return list;
}

describe('bad input', () => {
  test.each(cases())('%s', async (_name, request, status) => {
    const before = await snapshot(gw);
    const res = await gw.app.inject({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
    });
    if (status !== undefined) expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(res.json().error.message.length).toBeLessThan(400);
    expect(await snapshot(gw)).toEqual(before);
  });

  test('validation errors say where', async () => {
    const res = await gw.request({ method: 'GET', url: '/api/v1/sessions?pageSize=501', token });
    expect(res.json().error).toEqual({ code: 'VALIDATION', message: expect.stringContaining('pageSize') });
    const date = await gw.request({
      method: 'GET',
      url: '/api/v1/sessions?from=2025-02-30T00:00:00Z',
      token,
    });
    expect(date.json().error.code).toBe('VALIDATION');
  });

  test('well-formed but odd input is just data', async () => {
    for (const value of [SQLISH, UNICODE.replace('\u0000', ''), '%', '_', '\\']) {
      const res = await gw.request({
        method: 'GET',
        url: `/api/v1/sessions?${q({ user: value, q: value })}`,
        token,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ items: [], total: 0 });
    }
    const login = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: SQLISH, password: UNICODE },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(await gw.count('sessions')).toBe(1);
  });

  test('a unicode justification of valid length is accepted and kept as written', async () => {
    const justification = 'Retenção legal 日本 🙂 ok';
    const res = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${sessionId}/prevent-purge`,
      token,
      payload: { justification },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().preventPurge.justification).toBe(justification);
  });

  test('a bearer header that is not a token is a 401 with the shape', async () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      `Bearer ${BIG}`,
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${SQLISH}`,
      'Bearer a b',
    ]) {
      const res = await gw.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: header },
      });
      expect(res.statusCode, header.slice(0, 30)).toBe(401);
      expect(res.json().error.code).toMatch(/UNAUTHORIZED|INVALID_TOKEN/);
    }
  });
});
