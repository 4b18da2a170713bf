import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../src/shared/permissions';
import { buildApp } from '../../src/gateway/app';
import { hashPassword, type ScryptParams } from '../../src/gateway/crypto/passwords';
import { openStore, type Store } from '../../src/gateway/db/store';
import { sqliteAsyncStore } from '../../src/gateway/db/sqliteAsyncStore';
import type { LiveHub } from '../../src/gateway/live/hub';
import type { ViewerLimits } from '../../src/gateway/live/viewers';
import { createGatewayServices, type GatewayServices } from '../../src/gateway/services';
import type { IdentityOptions } from '../../src/gateway/services/identity';

/** Cheap scrypt for tests (the stored parameters travel with each hash). */
export const FAST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export interface TestGateway {
  app: FastifyInstance;
  store: Store;
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

/** A gateway app on a real SQLite file in a temp folder, driven with `inject`. */
export async function createTestGateway(
  options: {
    clock?: () => number;
    identity?: Partial<IdentityOptions>;
    /** HTTPS material, for tests that also `listen` (WebSockets need a real server). */
    tls?: { key: string; cert: string };
    viewerLimits?: Partial<ViewerLimits>;
  } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-'));
  const store = openStore(join(dir, 'vigil.db'));
  // Tests seed and inspect through the synchronous store; the services share its connection.
  const services = createGatewayServices({
    store: sqliteAsyncStore(store, false),
    dataDir: dir,
    clock: options.clock,
    identity: { scrypt: FAST_SCRYPT, ...options.identity },
    viewerLimits: options.viewerLimits,
  });
  const liveHub = services.hub;
  const app = await buildApp({ services, tls: options.tls });
  await app.ready();
  const gateway: TestGateway = {
    app,
    store,
    dir,
    liveHub,
    services,
    addUser: async (login, role, password) => {
      const passwordHash = await hashPassword(password ?? `${login}-password`, FAST_SCRYPT);
      const id = store.users.create({
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
      await services.store.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return gateway;
}

/** Counts of every table, to prove a refused request changed nothing. */
export function snapshot(store: Store): Record<string, number | string> {
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
  for (const table of tables) {
    counts[table] = (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  counts.sessionsState = JSON.stringify(
    store.db
      .prepare('SELECT id, prevent_purge_justification, prevent_purge_by, status FROM sessions ORDER BY id')
      .all(),
  );
  counts.auditorsState = JSON.stringify(
    store.db.prepare('SELECT * FROM session_auditors ORDER BY 1, 2').all(),
  );
  return counts;
}
