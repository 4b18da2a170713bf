import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, SessionLogSearch, SessionLogs, SessionTextPage } from '../../../src/shared/api';
import { ACTIVITY_TEXT_HEADING } from '../../../src/gateway/rdp/activityText';
import { keyStroke, SCANCODES, typeText } from '../../../src/gateway/rdp/scancodes';
import { grantOperatorRdp, startGatewayProcess, type GatewayProcess } from '../../support/gateway';
import { adminLogin, apiCall } from '../../support/gatewayHttp';
import { waitForValue } from '../../support/wait';
import { startXrdp, xrdpSkipReason, type XrdpTestbed } from '../../support/xrdpTestbed';
import { RdpOperator } from './rdpOperator';

/**
 * Session Logs of a real remote desktop: its text is what the gateway saw the operator do (the
 * keys read as typed lines, the clicks), paged and searched as a terminal session's text is.
 */
const skip = xrdpSkipReason();
const OPERATOR = { login: 'rosa', name: 'Rosa Operator', password: 'operator-passphrase-9' };
const SIZE = { width: 800, height: 600 };

describe.skipIf(skip !== null)(`Session Logs of an RDP session ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let xrdp: XrdpTestbed;
  let gateway: GatewayProcess;
  let token: string;

  beforeAll(async () => {
    xrdp = await startXrdp();
    gateway = await startGatewayProcess();
    await grantOperatorRdp(gateway, 'desk-01', xrdp, OPERATOR);
    token = await adminLogin(gateway);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await xrdp?.close();
  });

  const get = async <T>(path: string): Promise<T> => {
    const reply = await apiCall(gateway, 'GET', path, token);
    expect(reply.status, reply.body).toBe(200);
    return JSON.parse(reply.body) as T;
  };

  it('gives the typed lines and clicks as text, searchable, once the session finished', async () => {
    const operator = await RdpOperator.open(
      gateway,
      { username: OPERATOR.login, password: OPERATOR.password },
      { target: 'desk-01', account: xrdp.user, ...SIZE },
    );
    const sessionId = await operator.ready();
    const file = join(xrdp.writableDir, `Logs-${randomBytes(4).toString('hex')}`);
    // A typo taken back with Backspace: the text shows the line the shell ran.
    const keys = [
      ...typeText('tpu'),
      ...keyStroke(SCANCODES.backspace),
      ...keyStroke(SCANCODES.backspace),
      ...typeText(`ouch ${file}\n`),
    ];
    operator.send(keys.map((key) => ({ type: 'key', ...key })));
    await waitForValue(() => (existsSync(file) ? true : undefined), `${file} on the target`, 15_000);
    operator.click(640, 480);
    operator.close();
    await waitForValue(
      async () => ((await get<Session>(`/sessions/${sessionId}`)).status === 'finished' ? true : undefined),
      'the session to finish',
    );

    const logs = await get<SessionLogs>(`/sessions/${sessionId}/logs`);
    expect(logs.text.status).toBe('ready');
    expect(logs.text.items.map((l) => l.text)).toEqual([
      ACTIVITY_TEXT_HEADING,
      `touch ${file}`,
      '[left click at 640,480]',
    ]);
    const [, typed, click] = logs.text.items;
    expect(typed!.offsetMs).toBeGreaterThan(0);
    expect(click!.offsetMs).toBeGreaterThanOrEqual(typed!.offsetMs);

    const page = await get<SessionTextPage>(`/sessions/${sessionId}/logs/text?offset=1&limit=1`);
    expect(page).toMatchObject({ status: 'ready', total: 3, offset: 1, items: [{ text: `touch ${file}` }] });

    const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
    const hits = await get<SessionLogSearch>(`/sessions/${sessionId}/logs/search?q=${name}`);
    expect(hits.total).toBe(1);
    expect(hits.items[0]).toMatchObject({ kind: 'line', text: `touch ${file}` });
    const clicks = await get<SessionLogSearch>(`/sessions/${sessionId}/logs/search?q=left%20click`);
    expect(clicks.items.map((h) => h.text)).toEqual(['[left click at 640,480]']);
  });
});
