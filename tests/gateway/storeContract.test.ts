import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_ROLE_PERMISSIONS, PERMISSIONS } from '../../src/shared/permissions';
import { openDatabase } from '../../src/gateway/db/database';
import { eventHash, GENESIS_HASH, type ChainLink, type NewEvent } from '../../src/gateway/db/events';
import {
  ACCESS_GENERATION_KEY,
  DAY_MS,
  MIGRATIONS,
  RULES_GENERATION_KEY,
} from '../../src/gateway/db/migrations';
import { openPostgresStore, type PostgresStore } from '../../src/gateway/db/postgres/store';
import type { NewSession } from '../../src/gateway/db/sessionTypes';
import { openSqliteAsyncStore } from '../../src/gateway/db/sqliteAsyncStore';
import { openStore } from '../../src/gateway/db/store';
import { makeTempDir } from '../support/gateway';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

/** What both engines implement so far. */
type ContractStore = Omit<PostgresStore, 'pool'>;

interface Opened {
  store: ContractStore;
  /** Runs one SQL statement on the engine directly, outside the repositories; its rows if any. */
  raw(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const engines: { name: string; open: () => Promise<Opened> }[] = [
  {
    name: 'SQLite',
    open: () => {
      const path = join(makeTempDir('vigil-contract-'), 'vigil.db');
      const store = openSqliteAsyncStore(path);
      const direct = openDatabase(path);
      return Promise.resolve({
        store,
        raw: async (sql) => {
          const statement = direct.prepare(sql);
          if (statement.reader) return statement.all() as Record<string, unknown>[];
          statement.run();
          return [];
        },
        close: async () => {
          direct.close();
          await store.close();
        },
      });
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const database = await createTestDatabase();
      const store = await openPostgresStore(database.url);
      return {
        store,
        raw: async (sql) => (await store.pool.query<Record<string, unknown>>(sql)).rows,
        close: async () => {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];

let unique = 0;
const name = (prefix: string) => `${prefix}${++unique}`;

const exportEvent = (note: string, actorId: number | null = null): NewEvent => ({
  type: 'Exported Details',
  at: 1_700_000_000_000 + unique,
  actorId,
  originIp: '10.0.0.9',
  sessionId: null,
  note,
});

/** Walks the whole chain with the repository's verifier, as the audit service does. */
async function verifyAll(
  events: ContractStore['events'],
): Promise<{ last: ChainLink; brokenAt: number | null }> {
  let from: ChainLink = { id: 0, hash: GENESIS_HASH };
  for (;;) {
    const chunk = await events.verifyChunk(from, 500);
    if (chunk.brokenAt !== null) return { last: chunk.last, brokenAt: chunk.brokenAt };
    from = chunk.last;
    if (chunk.done) return { last: from, brokenAt: null };
  }
}

describe.each(engines)('the store on $name', (engine) => {
  let opened: Opened;
  let store: ContractStore;

  beforeAll(async () => {
    opened = await engine.open();
    store = opened.store;
  });
  afterAll(async () => {
    await opened.close();
  });

  const addUser = async (
    login = name('user'),
    roles: Parameters<ContractStore['users']['create']>[0]['roles'] = ['Operator'],
  ) => {
    const id = await store.users.create({ login, name: `Name of ${login}`, passwordHash: 'h', roles, at: 1 });
    expect(id).not.toBeNull();
    return { id: id!, login };
  };

  /** Sessions enter through the sessions repository, not yet on PostgreSQL: plain SQL here. */
  const addSession = async (user: { id: number; login: string }, status = 'live', startedAt = 1000) => {
    const [row] = await opened.raw(
      `INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy, status, started_at)
       VALUES ('${name('hash')}', ${user.id}, '${user.login}', '10.0.0.1', 'root', 'web', 'ssh', 'proxy-1', '${status}', ${startedAt})
       RETURNING id`,
    );
    return Number(row!.id);
  };
  const blockedFlag = async (sessionId: number) =>
    Number((await opened.raw(`SELECT blocked FROM sessions WHERE id = ${sessionId}`))[0]!.blocked);

  test('meta keeps the last value set, and setOnce only sets an absent key', async () => {
    const key = name('key');
    expect(await store.meta.get(key)).toBeNull();
    expect(await store.meta.setOnce(key, 'first')).toBe(true);
    expect(await store.meta.setOnce(key, 'second')).toBe(false);
    expect(await store.meta.get(key)).toBe('first');
    await store.meta.set(key, 'third');
    expect(await store.meta.get(key)).toBe('third');
  });

  test('a login belongs to one user whatever its case, and is found in any case', async () => {
    const { id, login } = await addUser(name('Alice'));
    expect(
      await store.users.create({
        login: login.toUpperCase(),
        name: 'x',
        passwordHash: 'h',
        roles: [],
        at: 2,
      }),
    ).toBeNull();
    const found = await store.users.findByLogin(login.toLowerCase());
    expect(found).toMatchObject({
      id,
      login,
      name: `Name of ${login}`,
      passwordHash: 'h',
      createdAt: 1,
      status: 'active',
    });
    expect(await store.users.findById(id)).toEqual(found);
  });

  test('a user may do what any of their roles may do, and nothing else', async () => {
    const { id } = await addUser(undefined, ['PAM Auditor', 'Operator']);
    const principal = await store.users.principal(id);
    const expected = PERMISSIONS.filter(
      (p) =>
        DEFAULT_ROLE_PERMISSIONS['PAM Auditor'].includes(p) || DEFAULT_ROLE_PERMISSIONS.Operator.includes(p),
    );
    expect(principal).toEqual({ roles: ['PAM Auditor', 'Operator'], permissions: expected });
  });

  test('a permission granted to a role reaches its holders until it is revoked', async () => {
    const { id } = await addUser();
    const extra = PERMISSIONS.find((p) => !DEFAULT_ROLE_PERMISSIONS.Operator.includes(p))!;
    expect(await store.users.grant('Operator', extra)).toBe(true);
    expect(await store.users.grant('Operator', extra)).toBe(false);
    expect((await store.users.principal(id)).permissions).toContain(extra);
    expect(await store.users.revoke('Operator', extra)).toBe(true);
    expect(await store.users.revoke('Operator', extra)).toBe(false);
    expect(await store.users.permissionsOf('Operator')).toEqual(
      PERMISSIONS.filter((p) => DEFAULT_ROLE_PERMISSIONS.Operator.includes(p)),
    );
  });

  test('a disabled user cannot be found to log in, and every node learns access changed', async () => {
    const { id, login } = await addUser();
    const generation = Number(await store.meta.get(ACCESS_GENERATION_KEY));
    expect(await store.users.setDisabled(id, true, 5)).toBe(true);
    expect(await store.users.setDisabled(id, true, 6)).toBe(false);
    expect(await store.users.findByLogin(login)).toBeNull();
    expect(await store.users.findById(id)).toBeNull();
    expect((await store.users.findAnyByLogin(login))?.status).toBe('disabled');
    expect(Number(await store.meta.get(ACCESS_GENERATION_KEY))).toBeGreaterThan(generation);
    expect(await store.users.setDisabled(id, false, 7)).toBe(true);
    expect((await store.users.findByLogin(login))?.status).toBe('active');
  });

  test('a removed user stays as history but loses keys, grants and tokens', async () => {
    const { id, login } = await addUser();
    await store.userKeys.add({
      userId: id,
      algorithm: 'ssh-ed25519',
      publicKey: Buffer.from('k'),
      fingerprint: 'SHA256:x',
      comment: 'laptop',
      createdAt: 1,
    });
    await store.identity.insertToken(name('token'), id, 1, Date.now() + 60_000, null);
    expect(await store.users.revokeTokens(id, 9)).toBe(1);
    expect(await store.users.remove(id, 10)).toBe(true);
    expect(await store.users.remove(id, 11)).toBe(false);
    expect((await store.users.findAnyByLogin(login))?.status).toBe('removed');
    expect(await store.userKeys.listForUser(id)).toEqual([]);
  });

  test('the users list is ordered by login whatever its case, and can keep only some roles', async () => {
    const prefix = name('list');
    const b = await addUser(`${prefix}-B`, ['PAM Auditor']);
    const a = await addUser(`${prefix}-a`, ['Operator']);
    const c = await addUser(`${prefix}-c`, []);
    const mine = (await store.users.list()).filter((u) => u.login.startsWith(prefix));
    expect(mine.map((u) => u.login)).toEqual([a.login, b.login, c.login]);
    expect(mine.map((u) => u.roles)).toEqual([['Operator'], ['PAM Auditor'], []]);
    const auditors = (await store.users.list(['PAM Auditor'])).filter((u) => u.login.startsWith(prefix));
    expect(auditors.map((u) => u.id)).toEqual([b.id]);
    expect((await store.users.withRoles([c.id, a.id, -1])).map((u) => u.id)).toEqual([a.id, c.id]);
    expect(await store.users.count()).toBeGreaterThanOrEqual(3);
  });

  test('a login token works until revoked, once', async () => {
    const { id } = await addUser();
    const token = name('token');
    await store.identity.insertToken(token, id, 100, 200, '10.1.1.1');
    expect(await store.identity.findToken(token)).toEqual({ userId: id, expiresAt: 200, revokedAt: null });
    expect(await store.identity.revokeToken(token, 150)).toBe(true);
    expect(await store.identity.revokeToken(token, 160)).toBe(false);
    expect((await store.identity.findToken(token))?.revokedAt).toBe(150);
    await store.identity.pruneTokens(Date.now());
    expect(await store.identity.findToken(token)).toBeNull();
  });

  test('login attempts asked for at the same moment never take more slots than the limit', async () => {
    const login = name('target-of-guessing');
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => store.identity.reserveAttempt(login.toUpperCase(), 1000, null, 3, 0)),
    );
    const granted = attempts.filter((a): a is number => a !== null);
    expect(granted).toHaveLength(3);
    expect(await store.identity.failuresSince(login, 0)).toBe(0);
    await store.identity.failAttempt(granted[0]!);
    expect(await store.identity.failuresSince(login, 0)).toBe(1);
    await store.identity.clearFailures(login);
    expect(await store.identity.reserveAttempt(login, 2000, null, 3, 0)).not.toBeNull();
    expect(await store.identity.lockedUntil(login)).toBeNull();
    await store.identity.lock(login, 5000);
    await store.identity.lock(login.toUpperCase(), 6000);
    expect(await store.identity.lockedUntil(login)).toBe(6000);
  });

  test('targets and credentials: unique names, secrets replaced, grants checked against the user', async () => {
    const targetName = name('Web');
    const targetId = (await store.targets.addTarget({
      name: targetName,
      protocol: 'ssh',
      host: 'h',
      port: 22,
      at: 1,
    }))!;
    expect(targetId).not.toBeNull();
    expect(
      await store.targets.addTarget({
        name: targetName.toUpperCase(),
        protocol: 'ssh',
        host: 'h',
        port: 22,
        at: 1,
      }),
    ).toBeNull();
    expect(await store.targets.findTarget(targetName.toLowerCase())).toEqual({
      id: targetId,
      name: targetName,
      protocol: 'ssh',
      host: 'h',
      port: 22,
    });

    expect(await store.targets.setCredential(targetId, 'root', Buffer.from('one'), 1)).toBe('created');
    expect(await store.targets.setCredential(targetId, 'root', Buffer.from('two'), 2)).toBe('updated');
    const credential = (await store.targets.findCredential(targetId, 'root'))!;
    expect(credential.secret.toString()).toBe('two');
    await store.targets.setCredentialKey(credential.id, Buffer.from('sealed'));
    expect((await store.targets.credentialKey(credential.id))?.toString()).toBe('sealed');

    const { id: userId } = await addUser();
    expect(await store.targets.hasAccess(userId, credential.id)).toBe(false);
    expect(await store.targets.grantAccess(userId, credential.id, 3)).toBe(true);
    expect(await store.targets.mayTransferFiles(userId, credential.id)).toBe(false);
    expect(await store.targets.grantAccess(userId, credential.id, 4, true)).toBe(false);
    expect(await store.targets.mayTransferFiles(userId, credential.id)).toBe(true);
    expect(await store.targets.stillGranted(userId, targetName, 'root')).toBe(true);
    await store.users.setDisabled(userId, true, 5);
    expect(await store.targets.hasAccess(userId, credential.id)).toBe(false);
    await store.users.setDisabled(userId, false, 6);
    expect(await store.targets.revokeAccess(userId, credential.id)).toBe(true);
    expect(await store.targets.stillGranted(userId, targetName, 'root')).toBe(false);

    expect(await store.targets.removeTarget(targetId)).toBe(true);
    expect(await store.targets.findCredential(targetId, 'root')).toBeNull();
  });

  test("a target's host key is pinned by the first connection only", async () => {
    const targetId = (await store.targets.addTarget({
      name: name('db'),
      protocol: 'ssh',
      host: 'h',
      port: 22,
      at: 1,
    }))!;
    const pins = await Promise.all(
      ['SHA256:a', 'SHA256:b'].map((fp) => store.targets.pinHostKey(targetId, fp)),
    );
    expect(pins.filter(Boolean)).toHaveLength(1);
    const pinned = await store.targets.hostKey(targetId);
    expect(pinned).toBe(pins[0] ? 'SHA256:a' : 'SHA256:b');
    expect(await store.targets.forgetHostKey(targetId)).toBe(true);
    expect(await store.targets.forgetHostKey(targetId)).toBe(false);
    await store.targets.setHostKey(targetId, 'SHA256:c');
    expect(await store.targets.hostKey(targetId)).toBe('SHA256:c');
  });

  test("an operator's SSH keys are found by their exact bytes and removed by comment", async () => {
    const { id } = await addUser();
    const key = {
      userId: id,
      algorithm: 'ssh-ed25519',
      publicKey: Buffer.from([0, 1, 2]),
      fingerprint: 'SHA256:k',
      comment: 'work',
      createdAt: 1,
    };
    expect(await store.userKeys.add(key)).toBe(true);
    expect(await store.userKeys.add(key)).toBe(false);
    expect((await store.userKeys.find(id, Buffer.from([0, 1, 2])))?.fingerprint).toBe('SHA256:k');
    expect(await store.userKeys.find(id, Buffer.from([0, 1, 3]))).toBeNull();
    expect((await store.userKeys.remove(id, 'work')).map((k) => k.comment)).toEqual(['work']);
    expect(await store.userKeys.listForUser(id)).toEqual([]);
  });

  test('only one of several auditors blocking a session at once blocks it, and release lifts it', async () => {
    const operator = await addUser();
    const [auditorA, auditorB] = [await addUser(), await addUser()];
    const held = await addSession(operator);
    const other = await addSession(operator);
    const ended = await addSession(operator, 'finished');
    const blocks = await Promise.all(
      [auditorA, auditorB, auditorA, auditorB, auditorA, auditorB].map((a) =>
        store.blocks.create({ sessionId: held, blockedUserId: operator.id, authorId: a.id, at: 50 }),
      ),
    );
    const block = blocks.find((b) => b !== null)!;
    expect(blocks.filter((b) => b !== null)).toHaveLength(1);
    expect(block).toMatchObject({
      sessionId: held,
      blockedUser: { id: operator.id, login: operator.login },
      releaser: null,
    });
    expect(await store.blocks.activeForSession(held)).toEqual(block);
    expect(await store.blocks.activeBlockForUser(operator.id)).toEqual(block);
    expect([await blockedFlag(held), await blockedFlag(other), await blockedFlag(ended)]).toEqual([1, 1, 0]);

    expect(await store.blocks.release(block.id, auditorB.id, 60)).toBe(true);
    expect(await store.blocks.release(block.id, auditorB.id, 61)).toBe(false);
    expect([await blockedFlag(held), await blockedFlag(other)]).toEqual([0, 0]);
    expect(await store.blocks.activeBlockForUser(operator.id)).toBeNull();
    const released = (await store.blocks.get(block.id))!;
    expect(released).toMatchObject({ releasedAt: 60, releaser: { id: auditorB.id } });
    expect((await store.blocks.list('released')).map((b) => b.id)).toContain(block.id);
    expect((await store.blocks.list('active')).map((b) => b.id)).not.toContain(block.id);
  });

  test("a session's auditors are replaced as a set, listed by login", async () => {
    const operator = await addUser();
    const prefix = name('aud');
    const [b, a, c] = [
      await addUser(`${prefix}-b`),
      await addUser(`${prefix}-A`),
      await addUser(`${prefix}-c`),
    ];
    const sessionId = await addSession(operator);
    await store.auditors.replace(sessionId, [b.id, a.id, a.id], null, 1);
    expect((await store.auditors.list(sessionId)).map((u) => u.login)).toEqual([a.login, b.login]);
    await store.auditors.replace(sessionId, [c.id, b.id], operator.id, 2);
    expect(await store.auditors.list(sessionId)).toEqual(
      [b, c].map((u) => ({ id: u.id, login: u.login, name: `Name of ${u.login}` })),
    );
    expect(await store.auditors.isAuditor(sessionId, a.id)).toBe(false);
    expect(await store.auditors.isAuditor(sessionId, c.id)).toBe(true);
  });

  test('commands typed in a session are kept in order with the minute they ran in', async () => {
    const sessionId = await addSession(await addUser());
    await store.sessionCommands.addMany([]);
    await store.sessionCommands.addMany(
      ['ls', 'whoami', 'exit'].map((command, i) => ({
        sessionId,
        at: 2000 + i,
        offsetMs: i * 45_000,
        command,
      })),
    );
    const commands = await store.sessionCommands.list(sessionId);
    expect(commands.map((c) => [c.command, c.minute, c.offsetMs, c.at])).toEqual([
      ['ls', 0, 0, 2000],
      ['whoami', 0, 45_000, 2001],
      ['exit', 1, 90_000, 2002],
    ]);
    expect(commands.every((c, i) => i === 0 || c.id > commands[i - 1]!.id)).toBe(true);
  });

  test('audited-command rules: unique names, a target of their own, and each change is announced', async () => {
    const ruleName = name('Rm-rf');
    const targetName = name('db');
    const targetId = await store.targets.addTarget({
      name: targetName,
      protocol: 'ssh',
      host: 'h',
      port: 22,
      at: 1,
    });
    const generation = Number(await store.meta.get(RULES_GENERATION_KEY));
    const rule = {
      name: ruleName,
      pattern: 'rm -rf *',
      score: 90,
      criticality: 'critical' as const,
      action: 'block' as const,
      targetId,
      createdAt: 7,
    };
    expect(await store.commandRules.add(rule)).toBe(true);
    expect(await store.commandRules.add({ ...rule, name: ruleName.toUpperCase() })).toBe(false);
    expect(await store.commandRules.get(ruleName.toLowerCase())).toMatchObject({
      ...rule,
      target: targetName,
    });
    expect((await store.commandRules.list()).map((r) => r.name)).toContain(ruleName);
    expect(Number(await store.meta.get(RULES_GENERATION_KEY))).toBeGreaterThan(generation);

    const sessionId = await addSession(await addUser());
    await store.commandRules.addRisky({
      sessionId,
      at: 9,
      offsetMs: 125_000,
      rule: ruleName,
      score: 90,
      criticality: 'critical',
      action: 'block',
      command: 'rm -rf /',
    });
    expect(await store.commandRules.risky(sessionId)).toEqual([
      {
        sessionId,
        at: 9,
        offsetMs: 125_000,
        minute: 2,
        rule: ruleName,
        score: 90,
        criticality: 'critical',
        action: 'block',
        command: 'rm -rf /',
      },
    ]);
    expect(await store.commandRules.remove(ruleName)).toBe(true);
    expect(await store.commandRules.get(ruleName)).toBeNull();
  });

  test('the per-day session counts follow inserts, status changes and deletes exactly', async () => {
    const user = await addUser();
    const day = 20_000 + unique;
    const count = async (status: string) =>
      Number(
        (
          await opened.raw(
            `SELECT coalesce(sum(n), 0) AS n FROM session_counts WHERE day = ${day} AND status = '${status}'`,
          )
        )[0]!.n,
      );
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await addSession(user, 'live', day * DAY_MS + i));
    expect([await count('live'), await count('finished')]).toEqual([3, 0]);
    await opened.raw(`UPDATE sessions SET status = 'finished' WHERE id = ${ids[0]}`);
    await opened.raw(`DELETE FROM sessions WHERE id = ${ids[1]}`);
    expect([await count('live'), await count('finished')]).toEqual([1, 1]);
  });

  test('the known values of the text filters keep exact counts as sessions come, change and go', async () => {
    const user = await addUser();
    const device = name('counted-device-');
    const known = async (value: string) =>
      Number(
        (
          await opened.raw(
            `SELECT coalesce(sum(n), 0) AS n FROM session_terms WHERE field = 'device' AND value = '${value}'`,
          )
        )[0]!.n,
      );
    const ids = await store.sessions.insertMany([
      newSession(user, { device }),
      newSession(user, { device: device.toUpperCase() }),
      newSession(user, { device }),
    ]);
    expect(await known(device)).toBe(3);
    await store.sessions.finish(ids[0]!, 1_700_000_009_000);
    expect(await known(device)).toBe(3);
    await opened.raw(`UPDATE sessions SET device = '${device}-renamed' WHERE id = ${ids[1]}`);
    await opened.raw(`DELETE FROM sessions WHERE id = ${ids[2]}`);
    expect([await known(device), await known(`${device}-renamed`)]).toEqual([1, 1]);
  });

  const newSession = (user: { id: number }, overrides: Partial<NewSession> = {}): NewSession => ({
    hash: name('feed'),
    userId: user.id,
    originIp: '10.0.0.1',
    credential: 'root',
    device: 'web-01',
    protocol: 'ssh',
    proxy: 'proxy-1',
    status: 'live',
    startedAt: 1_700_000_000_000,
    ...overrides,
  });

  test('a session is stored for an existing user only, and read back for whoever looks at it', async () => {
    const operator = await addUser();
    const viewer = await addUser();
    const recording = { path: 'rec/1.vigil', size: 1234, sha256: 'ab'.repeat(32) };
    const id = await store.sessions.insert(
      newSession(operator, { status: 'finished', endedAt: 2, durationMs: 1, recording, reason: 'patching' }),
    );
    const mine = (await store.sessions.get(id, operator.id))!;
    expect(mine).toMatchObject({
      id,
      user: { id: operator.id, login: operator.login, name: `Name of ${operator.login}` },
      status: 'finished',
      blocked: false,
      reason: 'patching',
      recording,
      preventPurge: null,
      isOperator: true,
      isAuditor: false,
      droppedBy: null,
    });
    await store.auditors.replace(id, [viewer.id], null, 1);
    expect(await store.sessions.get(id, viewer.id)).toMatchObject({ isOperator: false, isAuditor: true });
    expect(await store.sessions.get(-1, viewer.id)).toBeNull();
    await expect(store.sessions.insert(newSession({ id: 999_999 }))).rejects.toThrow(
      'No user with id 999999',
    );
  });

  test('several sessions are stored together or not at all', async () => {
    const operator = await addUser();
    const ids = await store.sessions.insertMany([newSession(operator), newSession(operator)]);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect((await store.sessions.getMany([ids[1]!, -5, ids[0]!], operator.id)).map((s) => s.id)).toEqual([
      ids[1],
      ids[0],
    ]);
    const hash = name('lost');
    await expect(
      store.sessions.insertMany([newSession(operator, { hash }), newSession({ id: 999_999 })]),
    ).rejects.toThrow();
    expect((await store.sessions.list({ hash }, { kind: 'all' }, operator.id, 0, 10)).total).toBe(0);
  });

  test('a live session finishes once, with its end, duration and error', async () => {
    const operator = await addUser();
    const id = await store.sessions.insert(newSession(operator, { startedAt: 10_000 }));
    expect((await store.sessions.listLive()).map((s) => s.id)).toContain(id);
    await store.sessions.setRecordingPath(id, 'rec/live.vigil');
    expect(await store.sessions.finish(id, 12_500, 'gateway node lost')).toBe(true);
    expect(await store.sessions.finish(id, 13_000)).toBe(false);
    expect(await store.sessions.get(id, operator.id)).toMatchObject({
      status: 'finished',
      endedAt: 12_500,
      durationMs: 2_500,
      errorMessage: 'gateway node lost',
      recording: null,
    });
    expect((await store.sessions.listLive()).map((s) => s.id)).not.toContain(id);
    await store.sessions.setRecording(id, { path: 'rec/live.vigil', size: 9, sha256: 'cd'.repeat(32) });
    expect((await store.sessions.get(id, operator.id))?.recording?.size).toBe(9);
  });

  test('a dropped session names who dropped it once it has finished', async () => {
    const operator = await addUser();
    const auditor = await addUser();
    const id = await store.sessions.insert(newSession(operator));
    await store.events.append({
      ...exportEvent('dropped'),
      type: 'Drop session',
      actorId: auditor.id,
      sessionId: id,
    });
    expect((await store.sessions.get(id, auditor.id))?.droppedBy).toBeNull();
    await store.sessions.finish(id, 1_700_000_001_000);
    expect((await store.sessions.get(id, auditor.id))?.droppedBy).toEqual({
      id: auditor.id,
      login: auditor.login,
      name: `Name of ${auditor.login}`,
    });
    expect((await store.events.forSession(id)).map((e) => e.type)).toEqual(['Drop session']);
  });

  test('prevent-purge is set once and cleared once', async () => {
    const operator = await addUser();
    const id = await store.sessions.insert(newSession(operator, { status: 'finished' }));
    expect(await store.sessions.setPreventPurge(id, 'legal hold', operator.id, 77)).toBe(true);
    expect(await store.sessions.setPreventPurge(id, 'again', operator.id, 78)).toBe(false);
    expect((await store.sessions.get(id, operator.id))?.preventPurge).toEqual({
      justification: 'legal hold',
      at: 77,
      by: { id: operator.id, login: operator.login, name: `Name of ${operator.login}` },
    });
    expect(await store.sessions.clearPreventPurge(id)).toBe(true);
    expect(await store.sessions.clearPreventPurge(id)).toBe(false);
  });

  test('the sessions list filters by text, status, protocol, time and reason, newest first', async () => {
    const proxy = name('edge-proxy-');
    const alice = await addUser(name('Alice'));
    const bob = await addUser(name('Bob'));
    const hour = 3_600_000;
    const t0 = 1_700_000_000_000;
    const spec = [
      { user: alice, status: 'live', device: 'db-01', reason: 'Disk FULL on db', at: t0 },
      { user: bob, status: 'finished', device: 'web-01', reason: null, at: t0 + hour },
      { user: alice, status: 'finished', device: 'web-02', reason: 'rotate certs', at: t0 + 2 * hour },
      { user: bob, status: 'live', device: 'DB-02', reason: 'full backup', at: t0 + 3 * hour },
    ] as const;
    const ids: number[] = [];
    for (const s of spec) {
      ids.push(
        await store.sessions.insert(
          newSession(s.user, {
            proxy,
            status: s.status,
            device: s.device,
            reason: s.reason,
            startedAt: s.at,
            hash: name(`h${s.device}-`),
          }),
        ),
      );
    }
    const list = async (filter: Parameters<ContractStore['sessions']['list']>[0], offset = 0, limit = 10) => {
      const page = await store.sessions.list({ proxy, ...filter }, { kind: 'all' }, alice.id, offset, limit);
      return { total: page.total, ids: page.items.map((s) => ids.indexOf(s.id)) };
    };
    expect(await list({})).toEqual({ total: 4, ids: [3, 2, 1, 0] });
    expect(await list({ proxy: proxy.toUpperCase() })).toEqual({ total: 4, ids: [3, 2, 1, 0] });
    expect(await list({ user: alice.login.slice(1).toLowerCase() })).toEqual({ total: 2, ids: [2, 0] });
    expect(await list({ device: 'db-0' })).toEqual({ total: 2, ids: [3, 0] });
    expect(await list({ device: '_' })).toEqual({ total: 0, ids: [] });
    expect(await list({ status: 'live', protocol: 'ssh' })).toEqual({ total: 2, ids: [3, 0] });
    expect(await list({ protocol: 'rdp' })).toEqual({ total: 0, ids: [] });
    expect(await list({ from: t0 + hour, to: t0 + 2 * hour })).toEqual({ total: 2, ids: [2, 1] });
    expect(await list({ from: t0 + hour, to: t0 })).toEqual({ total: 0, ids: [] });
    expect(await list({ q: 'full' })).toEqual({ total: 2, ids: [3, 0] });
    expect(await list({ q: 'ro' })).toEqual({ total: 1, ids: [2] });
    expect(await list({ q: 'ul' })).toEqual({ total: 0, ids: [] });
    expect(await list({ hash: 'hdb-01' })).toEqual({ total: 1, ids: [0] });
    expect(await list({ id: ids[1] })).toEqual({ total: 1, ids: [1] });
    expect(await list({}, 1, 2)).toEqual({ total: 4, ids: [2, 1] });
    expect(await list({}, 4, 2)).toEqual({ total: 4, ids: [] });

    await store.auditors.replace(ids[1]!, [alice.id], null, 1);
    const audited = await store.sessions.list(
      { proxy },
      { kind: 'audited', userId: alice.id },
      alice.id,
      0,
      10,
    );
    expect(audited.items.map((s) => [ids.indexOf(s.id), s.isAuditor, s.isOperator])).toEqual([
      [1, true, false],
    ]);
  });

  test('the export gives every matching session, newest first, in batches of the size asked', async () => {
    const proxy = name('export-proxy-');
    const alice = await addUser(name('Carol'));
    const bob = await addUser(name('Dave'));
    const t0 = 1_710_000_000_000;
    const spec = [
      { user: alice, at: t0, device: 'db-01', reason: 'CHG-1001 disk', status: 'finished' },
      { user: bob, at: t0 + 5, device: 'web-01', reason: null, status: 'finished' },
      // Two sessions starting at the same instant: the larger id comes first.
      { user: alice, at: t0 + 9, device: 'web-02', reason: 'chg-1002 certs', status: 'live' },
      { user: bob, at: t0 + 9, device: 'DB-02', reason: 'reboot', status: 'live' },
      { user: alice, at: t0 + 20, device: 'db-03', reason: null, status: 'finished' },
    ] as const;
    const ids: number[] = [];
    for (const s of spec) {
      ids.push(
        await store.sessions.insert(
          newSession(s.user, {
            proxy,
            device: s.device,
            reason: s.reason,
            status: s.status,
            startedAt: s.at,
            ...(s.status === 'finished' ? { endedAt: s.at + 1000, durationMs: 1000 } : {}),
          }),
        ),
      );
    }
    await store.sessions.setPreventPurge(ids[4]!, 'legal hold', alice.id, 5);
    const exported = async (filter: Parameters<ContractStore['sessions']['exportRows']>[0], batch = 2) => {
      const batches: number[][] = [];
      for await (const rows of store.sessions.exportRows({ proxy, ...filter }, { kind: 'all' }, batch)) {
        batches.push(rows.map((r) => ids.indexOf(r.id)));
      }
      return batches;
    };
    expect(await exported({})).toEqual([[4, 3], [2, 1], [0]]);
    expect(await exported({}, 10)).toEqual([[4, 3, 2, 1, 0]]);
    expect(await exported({ device: 'db' })).toEqual([[4, 3], [0]]);
    expect(await exported({ q: 'chg-100' })).toEqual([[2, 0]]);
    expect(await exported({ q: 'legal', status: 'finished' })).toEqual([[4]]);
    expect(await exported({ user: alice.login, from: t0 + 1, to: t0 + 20 })).toEqual([[4, 2]]);
    expect(await exported({ device: 'nothing-like-it' })).toEqual([]);
    const both = { user: alice.login.toUpperCase(), device: 'DB-0' };
    expect(await exported(both)).toEqual([[4, 0]]);
    expect((await store.sessions.list({ proxy, ...both }, { kind: 'all' }, alice.id, 0, 10)).total).toBe(2);
    await store.auditors.replace(ids[1]!, [alice.id], null, 1);
    const audited: number[] = [];
    for await (const rows of store.sessions.exportRows({ proxy }, { kind: 'audited', userId: alice.id })) {
      audited.push(...rows.map((r) => ids.indexOf(r.id)));
    }
    expect(audited).toEqual([1]);

    // A reader may stop early; the first batch of one row is the newest finished session.
    const reader = store.sessions
      .exportRows({ proxy, status: 'finished' }, { kind: 'all' }, 1)
      [Symbol.asyncIterator]();
    const first = (await reader.next()).value as unknown[];
    await reader.return?.();
    expect(first).toEqual([
      {
        id: ids[4],
        hash: expect.any(String) as string,
        userLogin: alice.login,
        originIp: '10.0.0.1',
        credential: 'root',
        device: 'db-03',
        protocol: 'ssh',
        proxy,
        startedAt: t0 + 20,
        endedAt: t0 + 1020,
        durationMs: 1000,
        status: 'finished',
        preventPurge: true,
      },
    ]);
  });

  test('the reason search follows justifications and reasons as they are set, changed and cleared', async () => {
    const proxy = name('reason-proxy-');
    const operator = await addUser();
    const id = await store.sessions.insert(
      newSession(operator, { proxy, status: 'finished', reason: 'Routine' }),
    );
    const found = async (q: string) =>
      (await store.sessions.list({ proxy, q }, { kind: 'all' }, operator.id, 0, 5)).total;
    expect([await found('routine'), await found('ro'), await found('hold')]).toEqual([1, 1, 0]);
    await store.sessions.setPreventPurge(id, 'Court HOLD 77', operator.id, 9);
    expect([await found('hold 7'), await found('co'), await found('routine')]).toEqual([1, 1, 1]);
    await opened.raw(`UPDATE sessions SET reason = 'other work' WHERE id = ${id}`);
    expect([await found('routine'), await found('other'), await found('OT')]).toEqual([0, 1, 1]);
    await store.sessions.clearPreventPurge(id);
    expect([await found('hold'), await found('co')]).toEqual([0, 0]);
    expect(
      (await store.sessions.list({ proxy, hash: 'FEED' }, { kind: 'all' }, operator.id, 0, 5)).total,
    ).toBe(1);
  });

  /** A finished session for the text and seal tests: its own id, whatever else the file stored. */
  const finishedSession = async (overrides: Partial<NewSession> = {}) =>
    store.sessions.insert(
      newSession(await addUser(), { status: 'finished', endedAt: 1_700_000_060_000, ...overrides }),
    );
  const textLines = (texts: readonly string[], firstOffsetMs = 0) =>
    texts.map((text, i) => ({ offsetMs: firstOffsetMs + i * 1000, text }));
  const builtText = async (sessionId: number, texts: readonly string[]) => {
    await store.sessionText.appendLines(sessionId, 0, textLines(texts));
    await store.sessionText.markBuilt(
      sessionId,
      { status: 'ready', lines: texts.length, message: null, version: 1 },
      5,
    );
  };

  test("a session's text is built in batches, counts as built once marked, and is read by pages", async () => {
    const id = await finishedSession();
    expect(await store.sessionText.state(id)).toBeNull();
    await store.sessionText.appendLines(id, 0, textLines(['$ uptime', ' 10:00 up 3 days']));
    await store.sessionText.appendLines(id, 2, []);
    await store.sessionText.appendLines(id, 2, textLines(['$ exit'], 9_000));
    expect(await store.sessionText.state(id)).toBeNull();
    await store.sessionText.markBuilt(id, { status: 'ready', lines: 3, message: null, version: 1 }, 7);
    expect(await store.sessionText.state(id)).toEqual({
      status: 'ready',
      lines: 3,
      message: null,
      version: 1,
    });
    expect(await store.sessionText.page(id, 1, 5)).toEqual([
      { n: 1, offsetMs: 1000, text: ' 10:00 up 3 days' },
      { n: 2, offsetMs: 9000, text: '$ exit' },
    ]);
    expect(await store.sessionText.page(id, 0, 1)).toEqual([{ n: 0, offsetMs: 0, text: '$ uptime' }]);
    expect(await store.sessionText.page(id, 3, 5)).toEqual([]);

    const unreadable = await finishedSession();
    const why = { status: 'unavailable', lines: 0, message: 'The recording is missing', version: 1 } as const;
    await store.sessionText.markBuilt(unreadable, why, 8);
    expect(await store.sessionText.state(unreadable)).toEqual(why);
    await store.sessionText.markBuilt(unreadable, { ...why, status: 'ready', message: null, version: 2 }, 9);
    expect(await store.sessionText.state(unreadable)).toEqual({
      ...why,
      status: 'ready',
      message: null,
      version: 2,
    });
  });

  test('removing a big text forgets it first, then takes its lines a chunk at a time', async () => {
    const id = await finishedSession();
    const other = await finishedSession();
    const many = Array.from({ length: 20_001 }, (_, i) => `line ${i}`);
    await builtText(id, many);
    await builtText(other, ['kept']);
    expect(await store.sessionText.removeSome(id)).toBe(true);
    expect(await store.sessionText.state(id)).toBeNull();
    expect(await store.sessionText.page(id, 20_000, 5)).toEqual([
      { n: 20_000, offsetMs: 20_000_000, text: 'line 20000' },
    ]);
    expect(await store.sessionText.removeSome(id)).toBe(false);
    expect(await store.sessionText.page(id, 0, 30_000)).toEqual([]);
    expect(await store.sessionText.removeSome(id)).toBe(false);
    expect(await store.sessionText.page(other, 0, 5)).toEqual([{ n: 0, offsetMs: 0, text: 'kept' }]);
    expect((await store.sessionText.state(other))?.status).toBe('ready');
  });

  test('text search ignores case, also beyond ASCII, takes the query literally and counts every hit', async () => {
    const id = await finishedSession();
    const other = await finishedSession();
    await builtText(id, [
      '$ uptime',
      'my_file  myxfile  ERROR.log',
      '/dev/sda1  disk 100% full',
      '$ echo Ação',
      'AÇÃO',
      'acao',
      'back\\slash',
      'École Straße',
    ]);
    await builtText(other, ['UPTIME elsewhere']);
    const search = async (query: string, limit = 10) => {
      const found = await store.sessionText.search(id, query, limit);
      return { total: found.total, texts: found.items.map((l) => l.text) };
    };
    expect(await store.sessionText.search(id, 'UPTIME', 10)).toEqual({
      total: 1,
      items: [{ n: 0, offsetMs: 0, text: '$ uptime' }],
    });
    expect(await search('error.LOG')).toEqual({ total: 1, texts: ['my_file  myxfile  ERROR.log'] });
    expect(await search('açã')).toEqual({ total: 2, texts: ['$ echo Ação', 'AÇÃO'] });
    expect(await search('ÇÃ')).toEqual({ total: 2, texts: ['$ echo Ação', 'AÇÃO'] });
    expect(await search('école')).toEqual({ total: 1, texts: ['École Straße'] });
    expect(await search('ecole')).toEqual({ total: 0, texts: [] });
    expect(await search('STRASSE')).toEqual({ total: 0, texts: [] });
    expect(await search('100%')).toEqual({ total: 1, texts: ['/dev/sda1  disk 100% full'] });
    expect(await search('my_f')).toEqual({ total: 1, texts: ['my_file  myxfile  ERROR.log'] });
    expect((await search('%')).total).toBe(1);
    expect((await search('_')).total).toBe(1);
    expect(await search('k\\s')).toEqual({ total: 1, texts: ['back\\slash'] });
    expect(await search('no-such-text')).toEqual({ total: 0, texts: [] });
    expect(await search('a', 2)).toEqual({
      total: 6,
      texts: ['/dev/sda1  disk 100% full', '$ echo Ação'],
    });
  });

  test('a text search keeps the first hits in text order and counts all of them, however many lines', async () => {
    const id = await finishedSession();
    // Every line holds the ASCII of the query, so a search beyond ASCII checks each of them.
    await builtText(
      id,
      Array.from({ length: 12_000 }, (_, i) => (i % 1000 === 999 ? `row ${i} ÄRGER` : `row ${i} arger`)),
    );
    const folded = await store.sessionText.search(id, 'äRGER', 2);
    expect(folded.total).toBe(12);
    expect(folded.items).toEqual([
      { n: 999, offsetMs: 999_000, text: 'row 999 ÄRGER' },
      { n: 1999, offsetMs: 1_999_000, text: 'row 1999 ÄRGER' },
    ]);
    const ascii = await store.sessionText.search(id, 'ROW 4', 3);
    // row 4, 40-49, 400-499, 4000-4999
    expect(ascii.total).toBe(1 + 10 + 100 + 1000);
    expect(ascii.items.map((l) => l.text)).toEqual(['row 4 arger', 'row 40 arger', 'row 41 arger']);
  });

  test('a text written in a transaction that fails is not kept', async () => {
    const id = await finishedSession();
    await expect(
      store.transaction(async (tx) => {
        await tx.sessionText.appendLines(id, 0, textLines(['half']));
        await tx.sessionText.markBuilt(id, { status: 'ready', lines: 1, message: null, version: 1 }, 3);
        throw new Error('build stopped');
      }),
    ).rejects.toThrow('build stopped');
    expect(await store.sessionText.state(id)).toBeNull();
    expect(await store.sessionText.page(id, 0, 5)).toEqual([]);
  });

  test('a finished session with a hashed recording can be sealed, once', async () => {
    const operator = await addUser();
    const recording = { path: 'rec/sealed.vigil', size: 4096, sha256: 'ef'.repeat(32) };
    const started = 1_700_000_000_000;
    const id = await store.sessions.insert(
      newSession(operator, {
        status: 'finished',
        device: 'DB-01',
        startedAt: started,
        endedAt: started + 9_000,
        errorMessage: 'gateway node lost',
        recording,
      }),
    );
    const live = await store.sessions.insert(newSession(operator, { recording }));
    const unhashed = await store.sessions.insert(
      newSession(operator, { status: 'finished', endedAt: started + 1, durationMs: 1 }),
    );
    const timed = await store.sessions.insert(
      newSession(operator, {
        status: 'finished',
        startedAt: started,
        endedAt: started + 5,
        durationMs: 3,
        recording,
      }),
    );
    const facts = await store.recordingSeals.sealable(id);
    expect(facts).toEqual({
      id,
      hash: expect.any(String) as string,
      operator: operator.login,
      account: 'root',
      target: 'DB-01',
      protocol: 'ssh',
      startedAt: started,
      endedAt: started + 9_000,
      durationMs: 9_000,
      errorMessage: 'gateway node lost',
      recording,
    });
    expect((await store.recordingSeals.sealable(timed))?.durationMs).toBe(3);
    expect(await store.recordingSeals.sealable(live)).toBeNull();
    expect(await store.recordingSeals.sealable(unhashed)).toBeNull();
    expect(await store.recordingSeals.sealable(-1)).toBeNull();

    const mine = async () =>
      (await store.recordingSeals.unsealed())
        .map((s) => s.id)
        .filter((s) => [id, live, unhashed, timed].includes(s));
    expect(await mine()).toEqual([id, timed]);

    const seal = { manifest: '{"session":1}', signature: 'c2lnbmVk', keyId: 'key-1', signedAt: 42 };
    expect(await store.recordingSeals.get(id)).toBeNull();
    const sealed = await Promise.all([
      store.recordingSeals.insert(id, seal),
      store.recordingSeals.insert(id, { ...seal, signature: 'b3RoZXI=', signedAt: 43 }),
    ]);
    expect(sealed.filter(Boolean)).toHaveLength(1);
    expect(await store.recordingSeals.insert(id, { ...seal, keyId: 'key-2' })).toBe(false);
    expect(await store.recordingSeals.get(id)).toEqual(
      sealed[0] ? seal : { ...seal, signature: 'b3RoZXI=', signedAt: 43 },
    );
    expect(await mine()).toEqual([timed]);
  });

  test('audit events chain each to the one before, and the whole chain verifies', async () => {
    const { id: actorId, login } = await addUser(name('Auditor'));
    const before = await store.events.total();
    const first = await store.events.append(exportEvent('one', actorId));
    const second = await store.events.append(exportEvent('two'));
    expect(second.id).toBe(first.id + 1);
    expect(second.hash).toBe(eventHash(first.hash, { ...exportEvent('two'), at: second.at, id: second.id }));
    expect(first.actor).toEqual({ id: actorId, login, name: `Name of ${login}` });
    expect(await store.events.get(first.id)).toEqual(first);
    expect(await store.events.prevHashOf(second.id)).toBe(first.hash);
    expect(await store.events.total()).toBe(before + 2);

    const byActor = await store.events.list({ actor: login.slice(2).toUpperCase() }, 0, 10);
    expect(byActor).toEqual({ total: 1, items: [first] });
    const page = await store.events.list({ type: 'Exported Details' }, 0, 1);
    expect(page.items).toEqual([second]);
    expect(page.total).toBeGreaterThanOrEqual(2);

    expect(await verifyAll(store.events)).toEqual({
      last: { id: second.id, hash: second.hash },
      brokenAt: null,
    });
  });

  test('audit events can be neither changed nor deleted, even by direct SQL', async () => {
    const event = await store.events.append(exportEvent('kept'));
    await expect(opened.raw(`UPDATE events SET note = 'forged' WHERE id = ${event.id}`)).rejects.toThrow(
      /append-only/,
    );
    await expect(opened.raw(`DELETE FROM events WHERE id = ${event.id}`)).rejects.toThrow(/append-only/);
    expect(await store.events.get(event.id)).toEqual(event);
  });

  test('a transaction commits all its writes together, or none when it fails', async () => {
    const kept = name('kept');
    const id = await store.transaction(async (tx) => {
      const userId = await tx.users.create({
        login: kept,
        name: kept,
        passwordHash: 'h',
        roles: ['Operator'],
        at: 1,
      });
      await tx.events.append(exportEvent(`created ${kept}`, userId));
      return userId;
    });
    expect((await store.users.findByLogin(kept))?.id).toBe(id);

    const lost = name('lost');
    const total = await store.events.total();
    await expect(
      store.transaction(async (tx) => {
        await tx.users.create({ login: lost, name: lost, passwordHash: 'h', roles: [], at: 1 });
        await tx.events.append(exportEvent(`created ${lost}`));
        throw new Error('refused half-way');
      }),
    ).rejects.toThrow('refused half-way');
    expect(await store.users.findAnyByLogin(lost)).toBeNull();
    expect(await store.events.total()).toBe(total);
    expect((await verifyAll(store.events)).brokenAt).toBeNull();
  });

  test('writes made while a transaction is open wait for it and are not undone by its rollback', async () => {
    const outside = name('outside');
    let release!: () => void;
    let begun!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const inside = new Promise<void>((resolve) => (begun = resolve));
    const failing = store.transaction(async (tx) => {
      await tx.meta.set(name('inside'), 'x');
      begun();
      await paused;
      throw new Error('rolled back');
    });
    await inside;
    const write = store.meta.set(outside, 'survives');
    release();
    await expect(failing).rejects.toThrow('rolled back');
    await write;
    expect(await store.meta.get(outside)).toBe('survives');
  });
});

describe('PostgreSQL with several gateway nodes', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  test('its schema steps are the SQLite ones, in the same order, applied once', async () => {
    const [a, b] = await Promise.all([openPostgresStore(database.url), openPostgresStore(database.url)]);
    try {
      const { rows } = await a.pool.query<{ version: number; name: string }>(
        'SELECT version, name FROM schema_migrations ORDER BY version',
      );
      expect(rows).toEqual(MIGRATIONS.map((m, i) => ({ version: i + 1, name: m.name })));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('three nodes appending 10,000 audit events at once make one valid chain', async () => {
    const nodes = await Promise.all([1, 2, 3].map(() => openPostgresStore(database.url, { poolSize: 5 })));
    try {
      const before = await nodes[0]!.events.total();
      await Promise.all(
        nodes.flatMap((node, n) =>
          Array.from({ length: n === 0 ? 3334 : 3333 }, (_, i) =>
            node.events.append({ ...exportEvent(`node ${n} event ${i}`), at: 1_700_000_000_000 + i }),
          ),
        ),
      );
      expect(await nodes[1]!.events.total()).toBe(before + 10_000);

      // The chain is checked again by the SQLite repository's verifier, the code the audit
      // service has always run, on a copy of the rows.
      const { rows } = await nodes[2]!.pool.query<{ id: number }>(
        'SELECT id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash FROM events ORDER BY id',
      );
      const copy = openStore(join(makeTempDir('vigil-chain-'), 'copy.db'));
      try {
        const insert = copy.db.prepare(
          `INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash)
           VALUES (@id, @at, @type, @actor_id, @origin_ip, @session_id, @note, @prev_hash, @hash)`,
        );
        copy.transaction(() => rows.forEach((row) => insert.run(row)));
        let from: ChainLink = { id: 0, hash: GENESIS_HASH };
        for (;;) {
          const chunk = copy.events.verifyChunk(from, 1000);
          expect(chunk.brokenAt).toBeNull();
          from = chunk.last;
          if (chunk.done) break;
        }
        expect(from.id).toBe(before + 10_000);
      } finally {
        copy.close();
      }
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  }, 120_000);
});
