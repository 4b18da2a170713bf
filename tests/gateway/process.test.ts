import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { finishedSession, seedDataDir, startGatewayProcess, type GatewayProcess } from '../support/gateway';

/** The real gateway process over HTTPS, with the certificate pinned by its printed fingerprint. */
interface Reply {
  status: number;
  body: string;
  fingerprint: string;
}

function pinnedRequest(
  gw: GatewayProcess,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${gw.url}${path}`,
      {
        method,
        // Self-signed: trust comes from the pinned fingerprint, checked below before any byte is read.
        rejectUnauthorized: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        if (fingerprint !== gw.fingerprint) {
          res.destroy();
          reject(new Error(`certificate ${fingerprint} is not the pinned ${gw.fingerprint}`));
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, fingerprint }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

let gw: GatewayProcess;

beforeAll(async () => {
  gw = await startGatewayProcess();
});

afterAll(async () => {
  await gw?.stop();
});

describe('gateway process', () => {
  test('prints the fingerprint as AA:BB:… and serves HTTPS on 127.0.0.1', () => {
    expect(gw.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(gw.url).toBe(`https://127.0.0.1:${gw.httpPort}`);
    expect(gw.output()).toContain(
      'Created user admin (System Administrator) with the password from VIGIL_ADMIN_PASSWORD',
    );
    expect(gw.output()).not.toContain(gw.adminPassword);
  });

  test('login and GET /api/v1/sessions over pinned HTTPS', async () => {
    await seedDataDir(gw.dataDir, { sessions: [finishedSession('olga', '2025-04-01T10:00:00Z')] });
    const login = await pinnedRequest(gw, 'POST', '/api/v1/auth/login', {
      username: 'admin',
      password: gw.adminPassword,
    });
    expect(login.status).toBe(200);
    const { token, user } = JSON.parse(login.body);
    expect(user.roles).toEqual(['System Administrator']);
    const list = await pinnedRequest(gw, 'GET', '/api/v1/sessions', undefined, token);
    expect(list.status).toBe(200);
    const body = JSON.parse(list.body);
    expect(body.total).toBe(1);
    expect(body.items[0]).toMatchObject({ user: { login: 'olga' }, startedAt: '2025-04-01T10:00:00.000Z' });
    const csv = await pinnedRequest(gw, 'GET', '/api/v1/sessions/export.csv', undefined, token);
    expect(csv.body.split('\r\n')).toHaveLength(3);
  });

  test('the CLI creates an auditor while the gateway runs, who can log in at once', async () => {
    const res = await gw.cli(
      ['user', 'add', 'carla', '--name', 'Carla', '--role', 'PAM Auditor', '--password-stdin'],
      'carla-pass-1\n',
    );
    expect(res.code).toBe(0);
    const login = await pinnedRequest(gw, 'POST', '/api/v1/auth/login', {
      username: 'carla',
      password: 'carla-pass-1',
    });
    expect(login.status).toBe(200);
    const malformed = await pinnedRequest(
      gw,
      'GET',
      `/api/v1/sessions?user=${'x'.repeat(100 * 1024)}`,
      undefined,
      JSON.parse(login.body).token,
    );
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error.code).toBe('VALIDATION');
  });

  test('restart keeps certificate and admin; without VIGIL_ADMIN_PASSWORD a first start prints a password once', async () => {
    await gw.stop({ keepData: true });
    expect(gw.child.exitCode).toBe(0);
    expect(gw.output()).toContain('Vigil gateway stopped');
    const again = await startGatewayProcess({ dataDir: gw.dataDir, adminPassword: 'ignored-now-1' });
    try {
      expect(again.fingerprint).toBe(gw.fingerprint);
      expect(again.output()).not.toContain('Created user admin');
      const login = await pinnedRequest(again, 'POST', '/api/v1/auth/login', {
        username: 'admin',
        password: gw.adminPassword,
      });
      expect(login.status).toBe(200);
    } finally {
      await again.stop();
    }

    const fresh = await startGatewayProcess({ env: { VIGIL_ADMIN_PASSWORD: '' } });
    try {
      const printed = /Initial password, shown only now: (\S+)/.exec(fresh.output())?.[1];
      expect(printed).toBeDefined();
      expect(fresh.fingerprint).not.toBe(gw.fingerprint);
      const login = await pinnedRequest(fresh, 'POST', '/api/v1/auth/login', {
        username: 'admin',
        password: printed,
      });
      expect(login.status).toBe(200);
    } finally {
      await fresh.stop();
    }
  });
});
