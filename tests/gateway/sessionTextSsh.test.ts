import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import type { SessionLogSearch, SessionTextPage } from '../../src/shared/api';
import { sshdSkipReason } from '../support/sshd';
import { useOperatorTestbed } from '../support/sshOperatorSuite';
import { waitFor } from '../support/wait';
import { openShell } from './sshTestbed';

/**
 * The session text of a REAL SSH session: an operator (ssh2 client) types commands through the
 * gateway's proxy into a real sshd at known moments; after the session ends, the text and its
 * search find those commands at those moments.
 */
const unavailable = sshdSkipReason();

/** Commands are typed this far apart; a hit's time must be much closer than that to its own command. */
const SPACING_MS = 2_500;
const TOLERANCE_MS = 1_000;

describe.skipIf(unavailable !== null)(
  `Session text of a real SSH session${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const ssh = useOperatorTestbed();

    const api = (url: string) =>
      ssh.tb.gateway.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ssh.token}` } });

    test('typed commands and their output are found at the moments they were typed', async () => {
      const client = await ssh.connect();
      const operator = await openShell(client, { cols: 100, rows: 30 });
      operator.send('echo START-$((1+1))\r');
      await operator.waitFor('START-2');
      const olga = (await ssh.tb.store.users.findByLogin('olga'))!;
      const live = ssh.tb.gateway.hub.list().find((s) => s.operatorUserId === olga.id)!;
      const sessionId = live.sessionId;
      const startedAt = live.startedAt.getTime();

      /** Session offset (ms) at which each marked command was typed, by the wall clock. */
      const typedAt: number[] = [];
      for (let i = 1; i <= 3; i++) {
        await sleep(SPACING_MS);
        typedAt.push(Date.now() - startedAt);
        const mark = operator.mark();
        operator.send(`echo Mark-${i}-$((6*7))\r`);
        await operator.waitFor(`Mark-${i}-42`, 10_000, mark);
      }
      operator.send('exit\r');
      await operator.closed;
      client.end();

      // The text is built when the session finishes; a request meanwhile waits for it.
      let page: SessionTextPage | undefined;
      await waitFor(async () => {
        const res = await api(`/api/v1/sessions/${sessionId}/logs/text?limit=1000`);
        if (res.statusCode === 200) page = res.json() as SessionTextPage;
        return page !== undefined;
      }, 'the session to finish');
      if (page === undefined) throw new Error('no text');
      expect(page.status, page.message ?? '').toBe('ready');
      const texts = page.items.map((l) => l.text);
      expect(texts).toContain('Mark-3-42');
      expect(texts.some((t) => t.endsWith('echo Mark-1-$((6*7))'))).toBe(true);
      expect(texts.join('\n').includes('\x1b')).toBe(false);

      for (let i = 1; i <= 3; i++) {
        const res = await api(
          `/api/v1/sessions/${sessionId}/logs/search?q=${encodeURIComponent(`MARK-${i}`)}`,
        );
        expect(res.statusCode, res.body).toBe(200);
        const result = res.json() as SessionLogSearch;
        // The command as typed, the line that shows it typed, and the line of its output.
        expect(result.items.map((h) => [h.kind, h.text.replace(/^.*?echo/, 'echo')])).toEqual([
          ['command', `echo Mark-${i}-$((6*7))`],
          ['line', `echo Mark-${i}-$((6*7))`],
          ['line', `Mark-${i}-42`],
        ]);
        for (const hit of result.items) {
          expect(
            Math.abs(hit.offsetMs - typedAt[i - 1]!),
            `${hit.kind} "${hit.text}" at ${hit.offsetMs}`,
          ).toBeLessThan(TOLERANCE_MS);
          expect(hit.minute).toBe(Math.floor(hit.offsetMs / 60_000));
        }
      }
    }, 60_000);
  },
);
