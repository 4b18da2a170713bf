import { describe, expect, test } from 'vitest';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { sshdSkipReason } from '../support/sshd';
import { useOperatorTestbed } from '../support/sshOperatorSuite';
import { TestSocket } from '../support/wsClient';
import { openShell, type Terminal } from './sshTestbed';

/**
 * Live Stream, "Hold on!" and Drop over HTTP/WebSocket against a REAL SSH session: an ssh2 client
 * (the operator) through the gateway's SSH proxy to a real sshd, and an auditor watching it.
 */
const unavailable = sshdSkipReason();

describe.skipIf(unavailable !== null)(
  `Live Stream of a real SSH session${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const ssh = useOperatorTestbed();

    const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      ssh.tb.gateway.app.inject({ method, url, payload, headers: { authorization: `Bearer ${ssh.token}` } });

    test('late join, output, block drops input, release, refusal while blocked, drop', async () => {
      const client = await ssh.connect();
      const operator: Terminal = await openShell(client);
      operator.send('echo hello-$((6*7))\r');
      await operator.waitFor('hello-42');
      const olga = (await ssh.tb.store.users.findByLogin('olga'))!;
      const live = ssh.tb.gateway.hub.list().find((s) => s.operatorUserId === olga.id)!;
      expect(live).toBeDefined();
      const sessionId = live.sessionId;

      // A viewer joining late first sees the current screen, then what follows.
      const ticket = (await api('POST', `/api/v1/sessions/${sessionId}/live-ticket`)).json().ticket as string;
      const viewer = new TestSocket(
        `${ssh.tb.gateway.url.replace('https:', 'wss:')}/api/v1/sessions/${sessionId}/live?ticket=${ticket}`,
      );
      try {
        const snapshot = await viewer.nextJson(10_000);
        expect(snapshot).toMatchObject({ type: 'snapshot', cols: 100, rows: 30, blocked: false });
        expect(snapshot.screen).toContain('hello-42');
        operator.send('echo after-$((1+1))\r');
        await viewer.readUntil('after-2', 10_000);

        // Hold on!: the operator's keystrokes never reach the target while blocked.
        const blocked = await api('PUT', `/api/v1/sessions/${sessionId}/interactivity`, { blocked: true });
        expect(blocked.statusCode, blocked.body).toBe(200);
        expect(blocked.json().blocked).toBe(true);
        expect(await viewer.nextControl('interactivity')).toMatchObject({ blocked: true, by: 'boss' });
        await operator.waitFor(OPERATOR_MESSAGES.blocked);
        operator.send('echo BLOCKED-RAN-$((40+2))\r');
        // A window change travels on the same channel after that line and passes while blocked: once
        // the viewer sees it, the gateway had the line (and held it back) before the release.
        operator.channel.setWindow(31, 101, 0, 0);
        expect(await viewer.nextControl('resize')).toEqual({ type: 'resize', cols: 101, rows: 31 });

        // While the block is active, a new session of the operator is refused, naming who blocked it.
        const secondClient = await ssh.connect();
        const second = await openShell(secondClient);
        await second.waitFor(
          /Error\. User has been prevented to start sessions by boss on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
        );
        expect((await second.closed).code).toBe(1);
        secondClient.end();

        const released = await api('PUT', `/api/v1/sessions/${sessionId}/interactivity`, { blocked: false });
        expect(released.statusCode, released.body).toBe(200);
        await operator.waitFor(OPERATOR_MESSAGES.released);
        expect(await viewer.nextControl('interactivity')).toMatchObject({ blocked: false, by: 'boss' });
        operator.send('echo released-$((2+3))\r');
        await operator.waitFor('released-5');
        await viewer.readUntil('released-5', 10_000);
        expect(operator.stdout()).not.toContain('BLOCKED-RAN-42');

        // Drop: both legs end at once, the operator is told, the viewer gets the end. The gateway
        // may close the operator's connection before the client gets to: listen from before the drop.
        const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
        const drop = await api('POST', `/api/v1/sessions/${sessionId}/drop`);
        expect(drop.statusCode, drop.body).toBe(200);
        expect(drop.json()).toMatchObject({ id: sessionId, status: 'finished' });
        await operator.waitFor(OPERATOR_MESSAGES.dropped);
        await operator.closed;
        client.end();
        await clientClosed;
        expect(await viewer.nextControl('ended')).toMatchObject({
          reason: 'dropped',
          message: OPERATOR_MESSAGES.dropped,
        });
        expect((await viewer.closed).code).toBe(1000);

        const stored = (await ssh.tb.store.events.list({ sessionId }, 0, 100)).items.map((e) => e.type);
        expect(stored).toEqual(
          expect.arrayContaining([
            'Live Stream',
            'Interactivity blocked',
            'Interactivity unlocked',
            'Drop session',
          ]),
        );
        // A finished session cannot be watched any more.
        const late = await api('POST', `/api/v1/sessions/${sessionId}/live-ticket`);
        expect(late.statusCode).toBe(409);
      } finally {
        viewer.close();
        client.end();
      }
    }, 60_000);
  },
);
