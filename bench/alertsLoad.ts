import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ALERTS_SOCKET_PATH, type AlertServerMessage } from '../src/shared/alerts';
import { API_PREFIX } from '../src/shared/api';
import {
  TARGET_NAME,
  connectOperator,
  openShell,
  startTestbed,
  type Terminal,
  type Testbed,
} from '../tests/gateway/sshTestbed';
import { addOperatorKey } from '../tests/gateway/opensshClient';
import { startSshd, type TestSshd } from '../tests/support/sshd';
import { percentileOf, type BenchRow } from './report';

/** Auditors' alerts sockets open while the alerts benches run. */
export const ALERT_AUDITORS = Number(process.env.VIGIL_BENCH_ALERT_AUDITORS ?? 20);
/** SSH sessions printing all along while the alerts benches run. */
export const ALERT_BUSY_SESSIONS = Number(process.env.VIGIL_BENCH_ALERT_SESSIONS ?? 100);

const OPERATOR = 'benchop';
const OPERATOR_PASSWORD = 'bench-operator-password';

export async function login(tb: Testbed, user: string, password: string): Promise<string> {
  const res = await tb.gateway.app.inject({
    method: 'POST',
    url: `${API_PREFIX}/auth/login`,
    payload: { username: user, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${user}: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}

export function openSocket(
  url: string,
  token: string,
  onMessage: (text: string) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(url, { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } });
  ws.on('message', (data: Buffer) => onMessage(data.toString('utf8')));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export const sortedSamples = (samples: number[]) => [...samples].sort((a, b) => a - b);

/** A row of the percentile `p` of sorted samples, in ms. */
export const percentileRow = (name: string, sorted: number[], p: number): BenchRow => ({
  name: `${name} p${p}`,
  value: percentileOf(sorted, p),
  unit: 'ms',
});

export interface AlertsLoadOptions {
  /** The critical rule that blocks the typist's command. */
  rule: { name: string; pattern: string };
  /** How the operator signs in to the proxy. */
  operatorAuth: 'key' | 'password';
  log: (line: string) => void;
}

/** The gateway and sshd under the load the alerts benches measure in, opened step by step. */
export interface AlertsLoad {
  sshd: TestSshd;
  tb: Testbed;
  /** `wss://…/api/v1`: where the gateway's sockets are. */
  socketBase: string;
  /** Opens a socket that is closed with the load. */
  openSocket(path: string, token: string, onMessage: (text: string) => void): Promise<WebSocket>;
  /** Adds the auditors (System Administrators) and opens their alerts sockets. */
  openAuditorSockets(onMessage: (message: AlertServerMessage) => void): Promise<void>;
  /**
   * Opens the busy sessions ten at a time; `onBatch` gets each ten as soon as they are open.
   * Answers them all.
   */
  openBusySessions(onBatch?: (batch: Terminal[]) => void): Promise<Terminal[]>;
  /** One more session of the operator, its shell answering. */
  openTypist(readyTimeoutMs: number): Promise<Terminal>;
  close(): Promise<void>;
}

/**
 * Starts an sshd and the real gateway on it, with an operator allowed onto the target and a critical
 * rule that blocks `rule.pattern`.
 */
export async function startAlertsLoad(options: AlertsLoadOptions): Promise<AlertsLoad> {
  const sshd = await startSshd();
  const tb = await startTestbed(sshd);
  const sockets: WebSocket[] = [];
  const terminals: Terminal[] = [];
  const clients: { end(): void }[] = [];
  const close = async () => {
    for (const ws of sockets) ws.close();
    for (const t of terminals) t.channel.close();
    for (const c of clients) c.end();
    await tb.stop();
    await sshd.stop();
  };
  try {
    await tb.addUser(OPERATOR, OPERATOR_PASSWORD);
    await tb.admin.grantAccess(OPERATOR, TARGET_NAME, sshd.user);
    // A key, as operators open many sessions: password attempts from one address are rate-limited.
    const auth =
      options.operatorAuth === 'key'
        ? { privateKey: readFileSync(await addOperatorKey(tb, OPERATOR)) }
        : { password: OPERATOR_PASSWORD };
    await tb.store.commandRules.add({
      name: options.rule.name,
      pattern: options.rule.pattern,
      score: 100,
      criticality: 'critical',
      action: 'block',
      targetId: null,
      createdAt: Date.now(),
    });
    const socketBase = tb.gateway.url.replace(/^https/, 'wss') + API_PREFIX;
    const socket = async (path: string, token: string, onMessage: (text: string) => void) => {
      const ws = await openSocket(`${socketBase}${path}`, token, onMessage);
      sockets.push(ws);
      return ws;
    };
    const shell = async (): Promise<Terminal> => {
      const client = await connectOperator(tb.sshPort, `${OPERATOR}@${sshd.user}@${TARGET_NAME}`, auth);
      clients.push(client);
      const terminal = await openShell(client);
      terminals.push(terminal);
      return terminal;
    };
    return {
      sshd,
      tb,
      socketBase,
      openSocket: socket,
      openAuditorSockets: async (onMessage) => {
        for (let i = 0; i < ALERT_AUDITORS; i++) {
          await tb.addUser(`benchaud${i}`, `bench-auditor-${i}`, 'System Administrator');
          const token = await login(tb, `benchaud${i}`, `bench-auditor-${i}`);
          await socket(ALERTS_SOCKET_PATH, token, (text) =>
            onMessage(JSON.parse(text) as AlertServerMessage),
          );
        }
      },
      openBusySessions: async (onBatch) => {
        const openedAt = performance.now();
        const busy: Terminal[] = [];
        for (let i = 0; i < ALERT_BUSY_SESSIONS; i += 10) {
          const batch = await Promise.all(
            Array.from({ length: Math.min(10, ALERT_BUSY_SESSIONS - i) }, () => shell()),
          );
          onBatch?.(batch);
          busy.push(...batch);
        }
        options.log(
          `${ALERT_BUSY_SESSIONS} busy sessions open in ${((performance.now() - openedAt) / 1000).toFixed(1)} s`,
        );
        return busy;
      },
      openTypist: async (readyTimeoutMs) => {
        const typist = await shell();
        typist.send('echo READY-$((40+2))\r');
        await typist.waitFor('READY-42', readyTimeoutMs);
        return typist;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
