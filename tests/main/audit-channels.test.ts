import { describe, expect, it } from 'vitest';
import { seedDataDir } from '../support/gateway';
import { value } from './helpers/services';
import { useAdminApp } from './helpers/testApp';

const PAT_PASSWORD = 'pat-password-for-the-trail';

describe('the audit:events and audit:verify channels against a real gateway process', () => {
  const app = useAdminApp('vigil-audit-main-', async (gateway) => {
    await seedDataDir(gateway.dataDir, {
      users: [{ login: 'pat', name: 'Pat Auditor', role: 'PAM Auditor', password: PAT_PASSWORD }],
      revoke: [{ role: 'PAM Auditor', permission: 'PAM.SessionManagement.Logs' }],
    });
  });
  const { call, signIn } = app;

  it('lists the trail newest first with the filters, and checks it incrementally', async () => {
    const all = value(await call('audit:events', { pageSize: 10 }));
    expect(all.total).toBeGreaterThanOrEqual(1);
    expect(all.items[0]).toMatchObject({ type: 'Login', actor: { login: 'admin' } });
    const ids = all.items.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const logins = value(await call('audit:events', { type: 'Login', actor: 'adm' }));
    expect(logins.items.every((e) => e.type === 'Login' && e.actor?.login === 'admin')).toBe(true);

    const status = value(await call('audit:verify'));
    expect(status).toMatchObject({ ok: true, brokenAt: null, problem: null });
    expect(status.events).toBe(all.total);
    // The channel always asks for what is new since the last check.
    expect(app.gateway.output()).toMatch(/\/api\/v1\/audit\/verify\?scope=new/);
  });

  it('refuses a bad query before the gateway is asked', async () => {
    const bad = await call('audit:events', { pageSize: 0 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const unknown = await call('audit:events', { status: 'live' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const extra = await call('audit:verify', 'all');
    expect(extra).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('an auditor without the Logs permission is refused by the gateway', async () => {
    value(await call('auth:logout'));
    await signIn('pat', PAT_PASSWORD);
    expect(await call('audit:events', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call('audit:verify')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
