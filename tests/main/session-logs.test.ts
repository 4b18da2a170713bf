import { describe, expect, it } from 'vitest';
import { finishedSession, liveSession, seedDataDir } from '../support/gateway';
import { seedSessionLogs, writeRecording } from '../support/sessionLogsSeed';
import { value } from './helpers/services';
import { useAdminApp } from './helpers/testApp';

const PAT_PASSWORD = 'pat-password-for-logs';
const STARTED = Date.parse('2026-03-02T09:00:00Z');
/** Two lines a second; three of them, one on each text page, name the secret file. */
const SECRET_LINES = [5, 210, 420];
const LINES = 450;

describe('Session Logs channels against a real gateway process', () => {
  let finishedId: number;
  let liveId: number;

  const app = useAdminApp('vigil-logs-main-', async (gateway) => {
    const recording = await writeRecording(
      gateway.dataDir,
      'logs-main',
      Array.from({ length: LINES }, (_, n) => ({
        atMs: n * 500,
        output: SECRET_LINES.includes(n)
          ? `$ grep -r Secret /srv/app # pass ${n}\r\n`
          : `output line ${n}\r\n`,
      })),
      { startedAt: new Date(STARTED) },
    );
    const seeded = await seedDataDir(gateway.dataDir, {
      users: [{ login: 'pat', name: 'Pat Auditor', role: 'PAM Auditor', password: PAT_PASSWORD }],
      revoke: [{ role: 'PAM Auditor', permission: 'PAM.SessionManagement.Logs' }],
      sessions: [
        finishedSession('alice', STARTED, {
          durationMs: recording.durationMs,
          endedAt: STARTED + recording.durationMs,
          recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
        }),
        liveSession('alice', STARTED + 3_600_000),
      ],
    });
    [finishedId, liveId] = seeded.sessionIds as [number, number];
    await seedSessionLogs(gateway.dataDir, finishedId, STARTED, {
      commands: [
        { offsetMs: 1_000, command: 'ls -la' },
        { offsetMs: 101_000, command: 'cat /etc/secret.conf' },
      ],
      risky: [
        {
          offsetMs: 101_000,
          rule: 'secrets',
          score: 80,
          criticality: 'high',
          action: 'allow',
          command: 'cat /etc/secret.conf',
        },
      ],
    });
  });
  const { call, signIn } = app;

  it('logs:get brings the session, its commands, its risky commands and the first text page', async () => {
    const logs = value(await call('logs:get', finishedId));
    expect(logs.session.id).toBe(finishedId);
    expect(logs.user).toMatchObject({ login: 'alice', originIp: '10.0.0.10' });
    expect(logs.commands.map((c) => [c.minute, c.command])).toEqual([
      [0, 'ls -la'],
      [1, 'cat /etc/secret.conf'],
    ]);
    expect(logs.riskyCommands).toEqual([
      expect.objectContaining({
        rule: 'secrets',
        score: 80,
        criticality: 'high',
        action: 'allow',
        minute: 1,
      }),
    ]);
    expect(logs.text.status).toBe('ready');
    expect(logs.text.offset).toBe(0);
    expect(logs.text.total).toBeGreaterThanOrEqual(LINES);
    expect(logs.text.items).toHaveLength(200);
    expect(logs.text.items[7]).toMatchObject({ n: 7, text: 'output line 7', offsetMs: 3_500, minute: 0 });
  });

  it('logs:text pages on through the text', async () => {
    const page = value(await call('logs:text', { sessionId: finishedId, offset: 400 }));
    expect(page.offset).toBe(400);
    expect(page.items[20]).toMatchObject({ n: 420, text: '$ grep -r Secret /srv/app # pass 420', minute: 3 });
  });

  it('logs:search finds commands and lines case-insensitively, in session order', async () => {
    const found = value(await call('logs:search', { sessionId: finishedId, q: 'SECRET' }));
    expect(found.total).toBe(4);
    expect(found.items.map((h) => `${h.kind}:${h.n}`)).toEqual([
      'line:5',
      'command:1',
      'line:210',
      'line:420',
    ]);
  });

  it('a live session answers INVALID_STATE, an unknown one NOT_FOUND', async () => {
    expect(await call('logs:get', liveId)).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(await call('logs:get', 999_999)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a bad payload is refused before the gateway is asked, naming what is wrong', async () => {
    const before = app.gateway.output().length;
    const result = await call('logs:text', { sessionId: -3, offset: 0 });
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    if (!result.ok) expect(result.error.message).toContain('sessionId');
    expect(app.gateway.output().slice(before)).not.toContain('/logs');
  });

  it('an auditor whose role lacks the Logs permission gets FORBIDDEN', async () => {
    value(await call('auth:logout'));
    await signIn('pat', PAT_PASSWORD);
    expect(await call('logs:get', finishedId)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
