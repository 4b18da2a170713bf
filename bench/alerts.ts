import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { AlertServerMessage } from '../src/shared/alerts';
import { ALERTS_SOCKET_PATH } from '../src/shared/alerts';
import { API_PREFIX } from '../src/shared/api';
import type { SessionUpdate } from '../src/shared/live';
import { commandBlockedMessage } from '../src/shared/rules';
import {
  TARGET_NAME,
  connectOperator,
  openShell,
  startTestbed,
  type Terminal,
  type Testbed,
} from '../tests/gateway/sshTestbed';
import { addOperatorKey } from '../tests/gateway/opensshClient';
import { sshdSkipReason, startSshd } from '../tests/support/sshd';
import { percentileOf, type BenchRow } from './report';

/** Target: a risky command typed → the alert on every auditor's socket, p99 under 250 ms. */
export const ALERT_TARGET_P99_MS = 250;

const AUDITORS = Number(process.env.VIGIL_BENCH_ALERT_AUDITORS ?? 20);
const BUSY_SESSIONS = Number(process.env.VIGIL_BENCH_ALERT_SESSIONS ?? 100);
const COMMANDS = Number(process.env.VIGIL_BENCH_ALERT_COMMANDS ?? 100);
const HOLDS = Number(process.env.VIGIL_BENCH_ALERT_HOLDS ?? 40);
const RULE = 'bench-critical-rm';
const PASSWORD = 'bench-operator-password';

export interface AlertBenchResult {
  rows: BenchRow[];
  riskyP99: number;
}

type Waiters = Map<string, (receivedAt: number) => void>;

/** Resolves once `count` receipts of `key` arrived (one per socket), with their times. */
function expectReceipts(waiters: Waiters, key: string, count: number, timeoutMs = 10_000): Promise<number[]> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(key);
      reject(new Error(`${key}: ${times.length}/${count} receipts within ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.set(key, (at) => {
      times.push(at);
      if (times.length < count) return;
      clearTimeout(timer);
      waiters.delete(key);
      resolve(times);
    });
  });
}

async function login(tb: Testbed, user: string, password: string): Promise<string> {
  const res = await tb.gateway.app.inject({
    method: 'POST',
    url: `${API_PREFIX}/auth/login`,
    payload: { username: user, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${user}: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}

function openSocket(url: string, token: string, onMessage: (text: string) => void): Promise<WebSocket> {
  const ws = new WebSocket(url, { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } });
  ws.on('message', (data: Buffer) => onMessage(data.toString('utf8')));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Alerts to auditors' sockets through the real gateway: 100 SSH sessions through the proxy print
 * output all along while one operator types a command a critical rule blocks, again and again; 20
 * auditors' alerts sockets note when each alert arrives. Baselines of the same run: the operator
 * reading the proxy's "Command blocked" for the same keystroke, and a Hold on! pushed on the
 * session-updates socket next to its alert.
 */
export async function benchAlerts(log: (line: string) => void = () => undefined): Promise<AlertBenchResult> {
  const skip = sshdSkipReason();
  if (skip !== null) {
    log(`alerts bench skipped: ${skip}`);
    return { rows: [], riskyP99: 0 };
  }
  const sshd = await startSshd();
  const tb = await startTestbed(sshd);
  const sockets: WebSocket[] = [];
  const terminals: Terminal[] = [];
  const clients: { end(): void }[] = [];
  try {
    await tb.addUser('benchop', PASSWORD);
    await tb.admin.grantAccess('benchop', TARGET_NAME, sshd.user);
    // A key, as operators open many sessions: password attempts from one address are rate-limited.
    const privateKey = readFileSync(await addOperatorKey(tb, 'benchop'));
    await tb.addUser('benchboss', 'bench-boss-password', 'System Administrator');
    const boss = await login(tb, 'benchboss', 'bench-boss-password');
    await tb.store.commandRules.add({
      name: RULE,
      pattern: 'rm\\s+-rf\\s+/tmp/vigil-bench-alert',
      score: 100,
      criticality: 'critical',
      action: 'block',
      targetId: null,
      createdAt: Date.now(),
    });

    const waiters: Waiters = new Map();
    const arrived = (key: string) => waiters.get(key)?.(performance.now());
    const base = tb.gateway.url.replace(/^https/, 'wss') + API_PREFIX;
    for (let i = 0; i < AUDITORS; i++) {
      await tb.addUser(`benchaud${i}`, `bench-auditor-${i}`, 'System Administrator');
      const token = await login(tb, `benchaud${i}`, `bench-auditor-${i}`);
      sockets.push(
        await openSocket(`${base}${ALERTS_SOCKET_PATH}`, token, (text) => {
          const message = JSON.parse(text) as AlertServerMessage;
          if (message.type !== 'alert') return;
          const { alert } = message;
          if (alert.kind === 'riskyCommand') arrived(`risky:${alert.command}`);
          else if (alert.kind === 'sessionBlocked') arrived(`alert-hold:${alert.sessionId}`);
        }),
      );
    }
    const updates = await openSocket(`${base}/sessions/updates`, boss, (text) => {
      const update = JSON.parse(text) as SessionUpdate;
      if (update.change === 'updated') arrived(`update-hold:${update.sessionId}`);
    });
    sockets.push(updates);

    const shell = async (): Promise<Terminal> => {
      const client = await connectOperator(tb.sshPort, `benchop@${sshd.user}@${TARGET_NAME}`, {
        privateKey,
      });
      clients.push(client);
      const terminal = await openShell(client);
      terminals.push(terminal);
      return terminal;
    };
    const openedAt = performance.now();
    const busy: Terminal[] = [];
    for (let i = 0; i < BUSY_SESSIONS; i += 10)
      busy.push(...(await Promise.all(Array.from({ length: Math.min(10, BUSY_SESSIONS - i) }, shell))));
    // A line every 100 ms per session, with bash builtins only (a timed read on a silent pipe), so
    // the machine's load is the gateway's work rather than thousands of forks a second.
    for (const t of busy)
      t.send('exec 3< <(sleep 100000); while :; do read -t 0.1 -u 3; echo "busy output $RANDOM"; done\r');
    log(`${BUSY_SESSIONS} busy sessions open in ${((performance.now() - openedAt) / 1000).toFixed(1)} s`);
    const typist = await shell();
    typist.send('echo READY-$((40+2))\r');
    await typist.waitFor('READY-42', 20_000);

    const alertSamples: number[] = [];
    const operatorSamples: number[] = [];
    const blocked = commandBlockedMessage(RULE);
    for (let seq = 0; seq < COMMANDS; seq++) {
      const command = `rm -rf /tmp/vigil-bench-alert-${seq}`;
      const from = typist.mark();
      typist.send(command);
      await typist.waitFor(command, 10_000, from);
      const shown = typist.mark();
      const receipts = expectReceipts(waiters, `risky:${command}`, AUDITORS);
      const start = performance.now();
      typist.send('\r');
      const operatorSaw = typist.waitFor(blocked, 10_000, shown).then(() => performance.now());
      for (const at of await receipts) alertSamples.push(at - start);
      operatorSamples.push((await operatorSaw) - start);
      if ((seq + 1) % 20 === 0) log(`${seq + 1}/${COMMANDS} risky commands`);
    }

    const holdAlert: number[] = [];
    const holdUpdate: number[] = [];
    const sessionId = tb.gateway.hub.list().at(-1)!.sessionId;
    const interactivity = (blockedNow: boolean) =>
      tb.gateway.app.inject({
        method: 'PUT',
        url: `${API_PREFIX}/sessions/${sessionId}/interactivity`,
        headers: { authorization: `Bearer ${boss}` },
        payload: { blocked: blockedNow },
      });
    for (let i = 0; i < HOLDS; i++) {
      const alerts = expectReceipts(waiters, `alert-hold:${sessionId}`, AUDITORS);
      const update = expectReceipts(waiters, `update-hold:${sessionId}`, 1);
      const start = performance.now();
      const res = await interactivity(true);
      if (res.statusCode !== 200) throw new Error(`Hold on!: ${res.statusCode} ${res.body}`);
      for (const at of await alerts) holdAlert.push(at - start);
      holdUpdate.push((await update)[0]! - start);
      // The release is an update too: wait for it before the next block.
      const released = expectReceipts(waiters, `update-hold:${sessionId}`, 1);
      if ((await interactivity(false)).statusCode !== 200) throw new Error('release failed');
      await released;
    }

    const sorted = (samples: number[]) => [...samples].sort((a, b) => a - b);
    const risky = sorted(alertSamples);
    const operator = sorted(operatorSamples);
    const hold = sorted(holdAlert);
    const update = sorted(holdUpdate);
    const row = (name: string, samples: number[], p: number): BenchRow => ({
      name: `${name} p${p}`,
      value: percentileOf(samples, p),
      unit: 'ms',
    });
    log(
      `${COMMANDS} risky commands × ${AUDITORS} sockets with ${BUSY_SESSIONS} busy sessions: alert p50 ` +
        `${percentileOf(risky, 50).toFixed(1)} ms, p99 ${percentileOf(risky, 99).toFixed(1)} ms`,
    );
    return {
      riskyP99: percentileOf(risky, 99),
      rows: [
        row('risky command Enter → alert on each auditor socket', risky, 50),
        row('risky command Enter → alert on each auditor socket', risky, 99),
        row('same Enter → operator reads "Command blocked" (baseline)', operator, 50),
        row('same Enter → operator reads "Command blocked" (baseline)', operator, 99),
        row('Hold on! request → sessionBlocked alert on each socket', hold, 50),
        row('Hold on! request → sessionBlocked alert on each socket', hold, 99),
        row('Hold on! request → session-updates push (baseline)', update, 50),
        row('Hold on! request → session-updates push (baseline)', update, 99),
      ],
    };
  } finally {
    for (const ws of sockets) ws.close();
    for (const t of terminals) t.channel.close();
    for (const c of clients) c.end();
    await tb.stop();
    await sshd.stop();
  }
}
