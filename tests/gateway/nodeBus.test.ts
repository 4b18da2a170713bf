import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { RelayFrame } from '../../src/gateway/cluster/frames';
import { followRemoteSession, LiveSessionHost } from '../../src/gateway/cluster/liveRelay';
import { LocalBusNetwork } from '../../src/gateway/cluster/localNodeBus';
import type { LiveSnapshot, RequestOf } from '../../src/gateway/cluster/messages';
import { connectNatsNodeBus } from '../../src/gateway/cluster/natsNodeBus';
import { NodeUnreachableError, type NodeBus } from '../../src/gateway/cluster/nodeBus';
import { GatewayError } from '../../src/gateway/errors';
import { LiveHub } from '../../src/gateway/live/hub';
import type { SessionUpdate } from '../../src/shared/live';
import { makeTempDir } from '../support/gateway';
import { startTestSession, type TestLiveSession } from '../support/liveSession';
import { openTestStore, type TestStore } from '../support/testDatabase';
import { waitFor } from '../support/wait';

/** The machine's NATS server (VIGIL_TEST_NATS_URL changes it). */
const NATS_URL = process.env.VIGIL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Three nodes on one bus; each test gets its own subject prefix, so runs never hear each other. */
const transports: { name: string; join: (prefix: string, nodeIds: string[]) => Promise<NodeBus[]> }[] = [
  {
    name: 'NATS',
    join: (prefix, nodeIds) =>
      Promise.all(nodeIds.map((nodeId) => connectNatsNodeBus({ url: NATS_URL, nodeId, prefix }))),
  },
  {
    name: 'in-process',
    join: (prefix, nodeIds) => {
      const network = new LocalBusNetwork();
      return Promise.resolve(nodeIds.map((nodeId) => network.join(nodeId, { prefix })));
    },
  },
];

/** Resolves with `count` values pushed to the returned callback. */
function collect<T>(count: number): { push: (value: T) => void; done: Promise<T[]> } {
  const values: T[] = [];
  let resolve: (values: T[]) => void = () => undefined;
  const done = new Promise<T[]>((r) => (resolve = r));
  return {
    push: (value) => {
      values.push(value);
      if (values.length === count) resolve(values);
    },
    done,
  };
}

let database: TestStore;
let operatorId: number;

beforeAll(async () => {
  database = await openTestStore(makeTempDir('vigil-bus-'));
  operatorId = (await database.store.users.create({
    login: 'operator',
    name: 'Operator',
    passwordHash: 'unused',
    roles: ['Operator'],
    at: Date.now(),
  }))!;
});

afterAll(() => database.close());

/** A live session of the operator, registered in `hub` (the node that owns it). */
const liveSession = (hub: LiveHub): Promise<TestLiveSession> =>
  startTestSession(database.store, hub, operatorId, { hash: randomBytes(8).toString('hex') });

/** What a viewer on another node ends up showing: the snapshot's screen plus every later output. */
function screenOf(snapshot: LiveSnapshot, frames: RelayFrame[]): string {
  const output = frames.flatMap((f) => (f.kind === 'output' ? [Buffer.from(f.data).toString('utf8')] : []));
  return snapshot.screen + output.join('');
}

describe.each(transports)('node bus over $name', (transport) => {
  let a: NodeBus;
  let b: NodeBus;
  let c: NodeBus;

  beforeAll(async () => {
    const prefix = `vigiltest${randomBytes(4).toString('hex')}`;
    [a, b, c] = (await transport.join(prefix, ['node-a', 'node-b', 'node-c'])) as [NodeBus, NodeBus, NodeBus];
  });

  afterAll(async () => {
    await Promise.all([a, b, c].map((bus) => bus.close()));
  });

  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  test('a request reaches the node it names, and only that node answers', async () => {
    for (const bus of [a, b, c]) stops.push(await bus.serve('ping', () => ({ nodeId: bus.nodeId, at: 1 })));

    expect(await a.request('node-b', 'ping', {})).toEqual({ nodeId: 'node-b', at: 1 });
    expect(await a.request('node-c', 'ping', {})).toEqual({ nodeId: 'node-c', at: 1 });
    expect(await c.request('node-a', 'ping', {})).toEqual({ nodeId: 'node-a', at: 1 });
  });

  test('a node that does not answer in time is reported unreachable', async () => {
    // node-c takes the request but never answers, as a node stuck or dying would.
    stops.push(await c.serve('live.interactivity', () => new Promise(() => undefined)));

    const stalled = a.request(
      'node-c',
      'live.interactivity',
      { sessionId: 1, blocked: true, by: 'ana' },
      { timeoutMs: 200 },
    );
    await expect(stalled).rejects.toBeInstanceOf(NodeUnreachableError);
    await expect(stalled).rejects.toMatchObject({
      code: 'NODE_UNREACHABLE',
      node: 'node-c',
      reason: 'timeout',
    });

    // A node nobody runs any more answers nothing at all.
    const gone = a.request('node-z', 'ping', {}, { timeoutMs: 5_000 });
    await expect(gone).rejects.toMatchObject({ code: 'NODE_UNREACHABLE', node: 'node-z' });
  });

  test('the owner refuses with the status and code its own API would give', async () => {
    const host = new LiveSessionHost(b, new LiveHub());
    await host.start();
    stops.push(() => host.stop());

    const notHere = a.request('node-b', 'live.drop', { sessionId: 42, by: 'ana' });
    await expect(notHere).rejects.toBeInstanceOf(GatewayError);
    await expect(notHere).rejects.toMatchObject({ statusCode: 409, code: 'NOT_CONNECTED' });

    // A payload that fails its schema never reaches the handler.
    const malformed = { sessionId: -1, by: 'ana' } as RequestOf<'live.drop'>;
    await expect(a.request('node-b', 'live.drop', malformed)).rejects.toMatchObject({
      statusCode: 400,
      code: 'BAD_MESSAGE',
    });
  });

  test('a broadcast reaches every node, the sender included', async () => {
    const heard = collect<{ node: string; update: SessionUpdate; from: string }>(3);
    for (const bus of [a, b, c]) {
      stops.push(
        await bus.listen('sessions.updated', (update, from) =>
          heard.push({ node: bus.nodeId, update, from }),
        ),
      );
    }

    b.broadcast('sessions.updated', { type: 'session', sessionId: 7, change: 'finished' });

    const got = await heard.done;
    expect(got.map((h) => h.node).sort()).toEqual(['node-a', 'node-b', 'node-c']);
    for (const h of got) {
      expect(h.from).toBe('node-b');
      expect(h.update).toEqual({ type: 'session', sessionId: 7, change: 'finished' });
    }
  });

  test('viewers on other nodes join late, see the same screen and every frame after it in order', async () => {
    const hub = new LiveHub();
    const host = new LiveSessionHost(a, hub);
    await host.start();
    stops.push(() => host.stop());
    const session = await liveSession(hub);
    // The screen is made behind the bytes, as the SSH proxy's terminal emulation does.
    session.snapshotDelayMs = 20;
    for (let i = 1; i <= 50; i++) session.output(`line ${i}\n`);

    const viewers = [b, c].map(() => ({
      snapshots: [] as LiveSnapshot[],
      frames: [] as RelayFrame[],
      errors: [] as Error[],
    }));
    const ended = viewers.map(() => collect<true>(1));
    // Output keeps coming while the viewers join.
    let n = 50;
    let last = Number.MAX_SAFE_INTEGER;
    const writer = setInterval(() => {
      for (let k = 0; k < 2 && n < last; k++) session.output(`line ${++n}\n`);
    }, 1);
    const follow = (bus: NodeBus, i: number) =>
      followRemoteSession(bus, 'node-a', session.sessionId, {
        snapshot: (s) => viewers[i]!.snapshots.push(s),
        frame: (f) => {
          viewers[i]!.frames.push(f);
          if (f.kind === 'state' && f.message.type === 'ended') ended[i]!.push(true);
        },
        error: (e) => viewers[i]!.errors.push(e),
      });
    await follow(b, 0);
    // The second viewer joins once frames are already flowing to the first.
    await waitFor(() => viewers[0]!.frames.length >= 20, 'frames flowing to the first viewer');
    await follow(c, 1);
    last = n + 100;
    await waitFor(() => n >= last, 'a hundred more lines written while both viewers follow');
    clearInterval(writer);
    session.setBlocked(true, 'ana');
    session.output('after the block\n');
    await session.end('terminated');
    await Promise.all(ended.map((e) => e.done));

    const expected = Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join('') + 'after the block\n';
    expect(viewers[1]!.snapshots[0]!.seq).toBeGreaterThanOrEqual(20);
    for (const viewer of viewers) {
      expect(viewer.errors).toEqual([]);
      expect(viewer.snapshots).toHaveLength(1);
      const [snapshot] = viewer.snapshots as [LiveSnapshot];
      expect(
        snapshot.screen.startsWith(Array.from({ length: 50 }, (_, i) => `line ${i + 1}\n`).join('')),
      ).toBe(true);
      expect(screenOf(snapshot, viewer.frames)).toBe(expected);
      // Numbered one after the other from the snapshot on: nothing lost, nothing twice.
      expect(viewer.frames.map((f) => f.seq)).toEqual(viewer.frames.map((_, i) => snapshot.seq + 1 + i));
      const states = viewer.frames.flatMap((f) => (f.kind === 'state' ? [f.message.type] : []));
      expect(states).toEqual(['interactivity', 'ended']);
    }
  });

  test('Hold on!, release and Drop asked from another node are applied by the owner, which answers the new state', async () => {
    const hub = new LiveHub();
    const host = new LiveSessionHost(a, hub);
    await host.start();
    stops.push(() => host.stop());
    const session = await liveSession(hub);

    const held = await b.request('node-a', 'live.interactivity', {
      sessionId: session.sessionId,
      blocked: true,
      by: 'ana',
    });
    expect(held).toEqual({ sessionId: session.sessionId, live: true, blocked: true, ended: null });
    expect(session.type('rm -rf /\r')).toBe(false);

    const released = await c.request('node-a', 'live.interactivity', {
      sessionId: session.sessionId,
      blocked: false,
      by: 'bia',
    });
    expect(released.blocked).toBe(false);
    expect(session.blockCalls).toEqual([
      { blocked: true, by: 'ana' },
      { blocked: false, by: 'bia' },
    ]);

    const dropped = await b.request('node-a', 'live.drop', { sessionId: session.sessionId, by: 'ana' });
    expect(dropped).toMatchObject({
      sessionId: session.sessionId,
      live: false,
      ended: { reason: 'dropped' },
    });
    expect(session.droppedBy).toBe('ana');
    expect(hub.get(session.sessionId)).toBeUndefined();
  });

  test('a viewer on another node joining as the session ends is told how it ended', async () => {
    const hub = new LiveHub();
    const host = new LiveSessionHost(a, hub);
    await host.start();
    stops.push(() => host.stop());
    const session = await liveSession(hub);
    // The session ends while its screen is being read, so there is no screen to show.
    session.snapshot = async () => {
      await session.end('terminated', 'The target closed the connection');
      throw new Error('terminal disposed');
    };

    const frames: RelayFrame[] = [];
    const snapshots: LiveSnapshot[] = [];
    await followRemoteSession(b, 'node-a', session.sessionId, {
      snapshot: (s) => snapshots.push(s),
      frame: (f) => frames.push(f),
      error: (e) => {
        throw e;
      },
    });

    expect(snapshots).toEqual([]);
    expect(frames).toEqual([
      {
        seq: 1,
        kind: 'state',
        message: {
          type: 'ended',
          reason: 'terminated',
          at: expect.any(String),
          message: 'The target closed the connection',
        },
      },
    ]);
  });

  test('a frame that never arrived makes the viewer take a fresh snapshot instead of showing a wrong screen', async () => {
    const sessionId = 9_001;
    const screens = ['AB', 'ABCD'];
    let asked = 0;
    // The owner's side played by hand, so frame 3 can go missing as under a slow consumer.
    stops.push(
      await a.serve('live.snapshot', () => {
        const screen = screens[asked]!;
        asked++;
        return {
          cols: 80,
          rows: 24,
          screen,
          blocked: false,
          startedAt: new Date(0).toISOString(),
          seq: screen.length,
        };
      }),
    );
    const snapshots: string[] = [];
    const output: string[] = [];
    const got = collect<true>(1);
    const follow = await followRemoteSession(b, 'node-a', sessionId, {
      snapshot: (s) => snapshots.push(s.screen),
      frame: (f) => {
        if (f.kind !== 'output') return;
        output.push(Buffer.from(f.data).toString());
        if (f.seq === 6) got.push(true);
      },
      error: (e) => {
        throw e;
      },
    });
    stops.push(() => follow.stop());
    const out = (seq: number, text: string) =>
      a.publishFrame(sessionId, { seq, kind: 'output', data: Buffer.from(text) });
    out(3, 'C');
    out(5, 'E'); // 4 never arrives
    await waitFor(() => asked >= 2, 'the follower to ask for a second snapshot');
    out(5, 'E');
    out(6, 'F');
    await got.done;

    expect(snapshots).toEqual(['AB', 'ABCD']);
    expect(snapshots.at(-1)! + output.slice(1).join('')).toBe('ABCDEF');
  });
});
