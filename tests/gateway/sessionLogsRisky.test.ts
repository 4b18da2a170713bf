import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NewRiskyCommand } from '../../src/gateway/db/commandRules';
import type { SessionLogs } from '../../src/shared/api';
import { finishedSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let admin: string;
let withRisky: number;
let without: number;
const base = Date.parse('2025-06-01T09:00:00Z');

beforeAll(async () => {
  gw = await createTestGateway();
  await gw.addUser('root.admin', 'System Administrator');
  const operatorId = await gw.addUser('olga', 'Operator');
  admin = await gw.login('root.admin');
  const insert = (startedAt: number, hash: string) =>
    gw.store.sessions.insert({ ...finishedSession('olga', startedAt), userId: operatorId, hash, startedAt });
  withRisky = await insert(base, 'hash-risky');
  without = await insert(base + 3_600_000, 'hash-quiet');
  const risky = (
    offsetMs: number,
    fields: Pick<NewRiskyCommand, 'rule' | 'command'> & Partial<NewRiskyCommand>,
  ) =>
    gw.store.commandRules.addRisky({
      sessionId: withRisky,
      at: base + offsetMs,
      offsetMs,
      score: 90,
      criticality: 'critical',
      action: 'block',
      ...fields,
    });
  await risky(59_999, { rule: 'rm-rf', command: 'rm -rf /var/www' });
  await risky(60_000, {
    rule: 'sudo',
    command: 'sudo systemctl restart nginx',
    score: 30,
    criticality: 'medium',
    action: 'allow',
  });
  await risky(185_500, { rule: 'rm-rf', command: 'rm -fr ~/backup' });
});

afterAll(async () => {
  await gw.close();
});

const logs = async (sessionId: number) => {
  const res = await gw.request({ method: 'GET', url: `/api/v1/sessions/${sessionId}/logs`, token: admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SessionLogs;
};

describe('session logs: commands that matched audited-command rules', () => {
  test('come in the order they were typed, with the rule as it was, their time and minute', async () => {
    expect((await logs(withRisky)).riskyCommands).toEqual([
      {
        rule: 'rm-rf',
        score: 90,
        criticality: 'critical',
        action: 'block',
        command: 'rm -rf /var/www',
        at: '2025-06-01T09:00:59.999Z',
        offsetMs: 59_999,
        minute: 0,
      },
      {
        rule: 'sudo',
        score: 30,
        criticality: 'medium',
        action: 'allow',
        command: 'sudo systemctl restart nginx',
        at: '2025-06-01T09:01:00.000Z',
        offsetMs: 60_000,
        minute: 1,
      },
      {
        rule: 'rm-rf',
        score: 90,
        criticality: 'critical',
        action: 'block',
        command: 'rm -fr ~/backup',
        at: '2025-06-01T09:03:05.500Z',
        offsetMs: 185_500,
        minute: 3,
      },
    ]);
  });

  test('are only those of the session asked for', async () => {
    expect((await logs(without)).riskyCommands).toEqual([]);
  });
});
