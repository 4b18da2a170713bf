import { performance } from 'node:perf_hooks';
import { API_PREFIX } from '../src/shared/api';
import type { SessionUpdate } from '../src/shared/live';
import { commandBlockedMessage } from '../src/shared/rules';
import { sshdSkipReason } from '../tests/support/sshd';
import {
  ALERT_AUDITORS,
  ALERT_BUSY_SESSIONS,
  login,
  percentileRow,
  sortedSamples,
  startAlertsLoad,
} from './alertsLoad';
import { percentileOf, type BenchRow } from './report';

/** Target: a risky command typed → the alert on every auditor's socket, p99 under 250 ms. */
export const ALERT_TARGET_P99_MS = 250;

const COMMANDS = Number(process.env.VIGIL_BENCH_ALERT_COMMANDS ?? 100);
const HOLDS = Number(process.env.VIGIL_BENCH_ALERT_HOLDS ?? 40);
const RULE = 'bench-critical-rm';

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
  const load = await startAlertsLoad({
    rule: { name: RULE, pattern: 'rm\\s+-rf\\s+/tmp/vigil-bench-alert' },
    operatorAuth: 'key',
    log,
  });
  const { tb } = load;
  try {
    await tb.addUser('benchboss', 'bench-boss-password', 'System Administrator');
    const boss = await login(tb, 'benchboss', 'bench-boss-password');

    const waiters: Waiters = new Map();
    const arrived = (key: string) => waiters.get(key)?.(performance.now());
    await load.openAuditorSockets((message) => {
      if (message.type !== 'alert') return;
      const { alert } = message;
      if (alert.kind === 'riskyCommand') arrived(`risky:${alert.command}`);
      else if (alert.kind === 'sessionBlocked') arrived(`alert-hold:${alert.sessionId}`);
    });
    await load.openSocket('/sessions/updates', boss, (text) => {
      const update = JSON.parse(text) as SessionUpdate;
      if (update.change === 'updated') arrived(`update-hold:${update.sessionId}`);
    });

    const busy = await load.openBusySessions();
    // A line every 100 ms per session, with bash builtins only (a timed read on a silent pipe), so
    // the machine's load is the gateway's work rather than thousands of forks a second.
    for (const t of busy)
      t.send('exec 3< <(sleep 100000); while :; do read -t 0.1 -u 3; echo "busy output $RANDOM"; done\r');
    const typist = await load.openTypist(20_000);

    const alertSamples: number[] = [];
    const operatorSamples: number[] = [];
    const blocked = commandBlockedMessage(RULE);
    for (let seq = 0; seq < COMMANDS; seq++) {
      const command = `rm -rf /tmp/vigil-bench-alert-${seq}`;
      const from = typist.mark();
      typist.send(command);
      await typist.waitFor(command, 10_000, from);
      const shown = typist.mark();
      const receipts = expectReceipts(waiters, `risky:${command}`, ALERT_AUDITORS);
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
      const alerts = expectReceipts(waiters, `alert-hold:${sessionId}`, ALERT_AUDITORS);
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

    const risky = sortedSamples(alertSamples);
    const operator = sortedSamples(operatorSamples);
    const hold = sortedSamples(holdAlert);
    const update = sortedSamples(holdUpdate);
    log(
      `${COMMANDS} risky commands × ${ALERT_AUDITORS} sockets with ${ALERT_BUSY_SESSIONS} busy sessions: alert p50 ` +
        `${percentileOf(risky, 50).toFixed(1)} ms, p99 ${percentileOf(risky, 99).toFixed(1)} ms`,
    );
    return {
      riskyP99: percentileOf(risky, 99),
      rows: [
        percentileRow('risky command Enter → alert on each auditor socket', risky, 50),
        percentileRow('risky command Enter → alert on each auditor socket', risky, 99),
        percentileRow('same Enter → operator reads "Command blocked" (baseline)', operator, 50),
        percentileRow('same Enter → operator reads "Command blocked" (baseline)', operator, 99),
        percentileRow('Hold on! request → sessionBlocked alert on each socket', hold, 50),
        percentileRow('Hold on! request → sessionBlocked alert on each socket', hold, 99),
        percentileRow('Hold on! request → session-updates push (baseline)', update, 50),
        percentileRow('Hold on! request → session-updates push (baseline)', update, 99),
      ],
    };
  } finally {
    await load.close();
  }
}
