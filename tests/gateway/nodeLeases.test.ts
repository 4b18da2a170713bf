import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NODE_LOST_MESSAGE, NodeLeases, type ClaimedNode } from '../../src/gateway/cluster/leases';
import { GENESIS_HASH, type ChainLink } from '../../src/gateway/db/events';
import { openPool } from '../../src/gateway/db/postgres/connection';
import { openPostgresStore, type PostgresStore } from '../../src/gateway/db/postgres/store';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { TEST_ENGINE } from '../support/testDatabase';
import { waitFor } from '../support/wait';

describe.skipIf(TEST_ENGINE !== 'postgres')(
  'node leases (PostgreSQL only: a cluster shares one PostgreSQL database)',
  () => {
    let database: TestDatabase;
    let store: PostgresStore;
    /** One pool per node, as separate gateway processes would have. */
    const pools: pg.Pool[] = [];
    let operatorId: number;

    beforeAll(async () => {
      database = await createTestDatabase();
      store = await openPostgresStore(database.url);
      operatorId = (await store.users.create({
        login: 'operator',
        name: 'Operator',
        passwordHash: 'unused',
        roles: ['Operator'],
        at: 1,
      }))!;
    });

    afterAll(async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await store.close();
      await database.drop();
    });

    /** A node's leases on a pool of its own; leases expire fast so the test need not wait 10 s. */
    function node(nodeId: string): NodeLeases {
      const pool = openPool(database.url, 3);
      pools.push(pool);
      return new NodeLeases(pool, nodeId, { heartbeatMs: 50, expireAfterMs: 300, scanMs: 60_000 });
    }

    async function liveSessions(leases: NodeLeases, count: number): Promise<number[]> {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const id = await store.sessions.insert({
          hash: randomBytes(8).toString('hex'),
          userId: operatorId,
          originIp: '10.0.0.1',
          credential: 'root',
          device: 'web-001',
          protocol: 'ssh',
          proxy: 'SSH Proxy',
          status: 'live',
          startedAt: Date.now() - 60_000,
        });
        await leases.registerSession(id);
        ids.push(id);
      }
      return ids;
    }

    async function chainIsValid(): Promise<boolean> {
      let from: ChainLink = { id: 0, hash: GENESIS_HASH };
      for (;;) {
        const chunk = await store.events.verifyChunk(from, 500);
        if (chunk.brokenAt !== null) return false;
        if (chunk.done) return true;
        from = chunk.last;
      }
    }

    test('of two peers racing for nodes that stopped heartbeating, exactly one claims each, and their live sessions end "gateway node lost"', async () => {
      const peers = [node('peer-1'), node('peer-2')];
      await Promise.all(peers.map((peer) => peer.start({ watchPeers: false })));
      // A healthy peer's session must be left alone.
      const healthySessions = await liveSessions(peers[0]!, 1);

      const dead = ['node-x', 'node-y', 'node-z'].map(node);
      const deadSessions = new Map<string, number[]>();
      for (const leases of dead) {
        await leases.start({ watchPeers: false });
        deadSessions.set(leases.nodeId, await liveSessions(leases, 2));
      }
      // One of node-x's sessions ended normally before the node died: it keeps its own ending.
      const endedNormally = deadSessions.get('node-x')![0]!;
      expect(await store.sessions.finish(endedNormally, Date.now(), null)).toBe(true);
      for (const leases of dead) await leases.stop();

      await waitFor(
        async () => (await peers[0]!.expiredPeers()).length === 3,
        'the three stopped nodes to be seen as expired',
      );
      const claims = await Promise.all(peers.map((peer) => peer.claimExpired()));

      const claimed: ClaimedNode[] = claims.flat();
      expect(claimed.map((c) => c.nodeId).sort()).toEqual(['node-x', 'node-y', 'node-z']);
      const expectedIds = [...deadSessions.values()].flat().filter((id) => id !== endedNormally);
      expect(claimed.flatMap((c) => c.sessionIds).sort((p, q) => p - q)).toEqual(expectedIds);
      // Nothing left to claim, for either peer.
      expect(await Promise.all(peers.map((peer) => peer.claimExpired()))).toEqual([[], []]);

      for (const id of expectedIds) {
        const session = await store.sessions.get(id, operatorId);
        expect(session).toMatchObject({ status: 'finished', errorMessage: NODE_LOST_MESSAGE });
        const owner = claimed.find((c) => c.sessionIds.includes(id))!;
        expect(session!.endedAt).toBe(owner.lastHeartbeatAt);
        const terminated = (await store.events.forSession(id)).filter((e) => e.type === 'Terminated');
        expect(terminated).toHaveLength(1);
        expect(terminated[0]!.note).toContain(NODE_LOST_MESSAGE);
      }
      expect((await store.sessions.get(endedNormally, operatorId))!.errorMessage).toBeNull();
      expect((await store.sessions.get(healthySessions[0]!, operatorId))!.status).toBe('live');
      expect(await chainIsValid()).toBe(true);

      // A claimed node that was only paused learns at its next heartbeat that it lost its lease.
      expect(await dead[0]!.heartbeat()).toBe(false);
      expect(await peers[0]!.heartbeat()).toBe(true);
      await Promise.all([...peers, dead[0]!].map((leases) => leases.stop({ release: true })));
    });

    test("a peer watching the leases finishes a dead node's sessions on its own", async () => {
      const pool = openPool(database.url, 3);
      pools.push(pool);
      const claims: ClaimedNode[] = [];
      const watcher = new NodeLeases(
        pool,
        'watcher',
        { heartbeatMs: 50, expireAfterMs: 300, scanMs: 50 },
        { claimed: (claim) => claims.push(claim) },
      );
      const victim = node('victim');
      await victim.start({ watchPeers: false });
      const [sessionId] = await liveSessions(victim, 1);
      await watcher.start();
      await victim.stop();

      await waitFor(() => claims.length > 0, "the watcher to claim the victim's node");
      await watcher.stop({ release: true });

      expect(claims).toEqual([
        { nodeId: 'victim', lastHeartbeatAt: expect.any(Number), sessionIds: [sessionId] },
      ]);
      expect((await store.sessions.get(sessionId!, operatorId))!.status).toBe('finished');
    });
  },
);
