import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { SessionUpdate } from '../../src/shared/live';
import type { DataPaths } from '../../src/gateway/datadir';
import { recoverInterruptedSessions } from '../../src/gateway/ssh/recovery';
import { finishedSession, liveSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let operatorId: number;

beforeEach(async () => {
  gw = await createTestGateway();
  await gw.addUser('pat', 'PAM Administrator');
  operatorId = await gw.addUser('olga', 'Operator');
});

afterEach(async () => {
  await gw.close();
});

function insertSession(seed: ReturnType<typeof finishedSession>): Promise<number> {
  return gw.store.sessions.insert({
    ...seed,
    userId: operatorId,
    hash: `hash-${seed.startedAt}`,
    startedAt: Number(seed.startedAt),
  });
}

describe('the gateway services', () => {
  test('announce session changes themselves, so every caller (not only an HTTP route) updates the lists', async () => {
    const id = await insertSession(finishedSession('olga', Date.parse('2025-05-01T08:00:00Z')));
    const caller = await gw.services.identity.authenticate(await gw.login('pat'), null);
    expect(caller).not.toBeNull();
    const session = (await gw.services.sessions.find(caller!, id))!;
    const updates: SessionUpdate[] = [];
    gw.services.hub.on('update', (update) => updates.push(update));

    await gw.services.sessions.setPreventPurge(caller!, session, 'Kept for the incident review');
    await gw.services.sessions.clearPreventPurge(caller!, session, 'The incident review is closed');
    await gw.services.sessions.setAuditors(caller!, session, []);

    expect(updates).toEqual([
      { type: 'session', sessionId: id, change: 'updated' },
      { type: 'session', sessionId: id, change: 'updated' },
      { type: 'session', sessionId: id, change: 'updated' },
    ]);
  });

  test('a session a stopped gateway left live is finished through the session ledger, with its event', async () => {
    const id = await insertSession(liveSession('olga', Date.parse('2025-05-01T10:00:00Z')));
    const paths = { root: gw.dir } as DataPaths;

    const recovered = await recoverInterruptedSessions(gw.services.ledger, paths, () =>
      Date.parse('2025-05-01T11:00:00Z'),
    );

    expect(recovered.map((r) => r.id)).toEqual([id]);
    const row = (await gw.store.sessions.get(id, operatorId))!;
    expect(row.status).toBe('finished');
    expect(row.errorMessage).toBe('The gateway stopped while the session was live');
    const terminated = await gw.sql(`SELECT note FROM events WHERE type = 'Terminated' AND session_id = ?`, [
      id,
    ]);
    expect(terminated).toEqual([{ note: 'The gateway stopped while the session was live' }]);
    expect(await gw.services.ledger.listLive()).toEqual([]);
  });
});
