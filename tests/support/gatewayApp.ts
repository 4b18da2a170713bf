import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../src/shared/permissions';
import { buildApp } from '../../src/gateway/app';
import { hashPassword, type ScryptParams } from '../../src/gateway/crypto/passwords';
import { SecretBox } from '../../src/gateway/crypto/secrets';
import { dataPaths } from '../../src/gateway/datadir';
import type { AsyncStore } from '../../src/gateway/db/asyncStore';
import { createRdpSide } from '../../src/gateway/rdp/rdpSide';
import type { LiveHub } from '../../src/gateway/live/hub';
import type { ViewerLimits } from '../../src/gateway/live/viewers';
import { createGatewayServices, type GatewayServices } from '../../src/gateway/services';
import type { IdentityOptions } from '../../src/gateway/services/identity';
import { openTestStore, type SqlAccess, type TestEngine } from './testDatabase';

/** Cheap scrypt for tests (the stored parameters travel with each hash). */
export const FAST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export interface TestGateway extends SqlAccess {
  app: FastifyInstance;
  /** The services' store (SQLite or PostgreSQL, as the test run says: see testDatabase.ts). */
  store: AsyncStore;
  engine: TestEngine;
  /** `--database` for CLI runs on this gateway's data (PostgreSQL), or undefined (SQLite in `dir`). */
  databaseUrl: string | undefined;
  dir: string;
  /** Where live sessions are registered (tests add their own LiveSession implementations). */
  liveHub: LiveHub;
  /** The app's services, as the gateway's composition root built them. */
  services: GatewayServices;
  /** Creates a user with a role and returns its id; password defaults to `${login}-password`. */
  addUser(login: string, role: Role, password?: string): Promise<number>;
  /** Logs in over the API and returns the bearer token. */
  login(login: string, password?: string): Promise<string>;
  /** `app.inject` with an optional bearer token. */
  request(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A gateway app on a database of its own (SQLite file in a temp folder, or PostgreSQL), driven with `inject`. */
export async function createTestGateway(
  options: {
    clock?: () => number;
    identity?: Partial<IdentityOptions>;
    /** HTTPS material, for tests that also `listen` (WebSockets need a real server). */
    tls?: { key: string; cert: string };
    viewerLimits?: Partial<ViewerLimits>;
    /** Also serve the RDP side (its API routes and the operator's page). */
    rdp?: boolean;
  } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-'));
  const database = await openTestStore(dir);
  const { store } = database;
  const services = createGatewayServices({
    store,
    dataDir: dir,
    clock: options.clock,
    identity: { scrypt: FAST_SCRYPT, ...options.identity },
    viewerLimits: options.viewerLimits,
  });
  const liveHub = services.hub;
  const rdp =
    options.rdp === true
      ? await createRdpSide(services, () => new SecretBox(randomBytes(32)), dataPaths(dir), {
          host: '127.0.0.1',
          port: 0,
        })
      : undefined;
  const app = await buildApp({ services, tls: options.tls, rdp });
  await app.ready();
  const gateway: TestGateway = {
    app,
    store,
    engine: database.engine,
    databaseUrl: database.databaseUrl,
    sql: database.sql,
    count: database.count,
    dir,
    liveHub,
    services,
    addUser: async (login, role, password) => {
      const passwordHash = await hashPassword(password ?? `${login}-password`, FAST_SCRYPT);
      const id = await store.users.create({
        login,
        name: `${login} name`,
        passwordHash,
        roles: [role],
        at: Date.now(),
      });
      if (id === null) throw new Error(`user ${login} exists`);
      return id;
    },
    login: async (login, password) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: login, password: password ?? `${login}-password` },
      });
      if (res.statusCode !== 200) throw new Error(`login ${login} failed: ${res.statusCode} ${res.body}`);
      return (res.json() as { token: string }).token;
    },
    request: ({ token, headers, ...rest }) =>
      app.inject({
        ...rest,
        headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      }),
    close: async () => {
      await app.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return gateway;
}

/** Counts of every table, to prove a refused request changed nothing. */
export async function snapshot(gw: SqlAccess): Promise<Record<string, number | string>> {
  const tables = [
    'users',
    'user_roles',
    'role_permissions',
    'tokens',
    'sessions',
    'session_auditors',
    'events',
    'blocks',
  ];
  const counts: Record<string, number | string> = {};
  for (const table of tables) counts[table] = await gw.count(table);
  counts.sessionsState = JSON.stringify(
    await gw.sql(
      'SELECT id, prevent_purge_justification, prevent_purge_by, status FROM sessions ORDER BY id',
    ),
  );
  counts.auditorsState = JSON.stringify(
    await gw.sql('SELECT session_id, user_id, added_by, added_at FROM session_auditors ORDER BY 1, 2'),
  );
  return counts;
}
