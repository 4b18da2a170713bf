import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyStroke, SCANCODES, typeText, type ScancodeEvent } from '../src/gateway/rdp/scancodes';
import { RdpOperator } from '../tests/gateway/rdp/rdpOperator';
import { RdpViewer } from '../tests/gateway/rdp/rdpViewer';
import { grantOperatorRdp, startGatewayProcess, type GatewayProcess } from '../tests/support/gateway';
import { adminLogin } from '../tests/support/gatewayHttp';
import { startXrdp, xrdpSkipReason, type XrdpTestbed } from '../tests/support/xrdpTestbed';
import { percentileOf, type BenchRow } from './report';
import { cpuMs, rssMb } from './ssh';

/** An auditor's Live Stream adds at most this much (p99) over what the operator's own page gets. */
export const RDP_VIEWER_ADDED_TARGET_P99_MS = 50;

export interface RdpBenchResult {
  rows: BenchRow[];
  viewerAddedP99: number;
}

const SIZE = { width: 1024, height: 768 };
const KEYS = 300;
/** Characters typed on one shell line before it is cleared (Ctrl+U). */
const LINE_KEYS = 60;
const SESSIONS = 10;
const SCROLL_SECONDS = 15;
const PASSWORD = 'bench-operator-passphrase';

/**
 * RDP on a real gateway process and real xrdp targets (each an xterm on its own X server):
 * - a typed key's echo, as the operator's page and an auditor's Live Stream on the same gateway
 *   receive it (both WebSocket clients here, one clock), and what the viewer adds;
 * - the gateway's CPU and memory per session with 10 sessions at once, idle and while every
 *   desktop scrolls output (`seq 1 2000` over and over in its xterm).
 */
export async function benchRdp(log: (line: string) => void = () => undefined): Promise<RdpBenchResult> {
  const skip = xrdpSkipReason();
  if (skip !== null) {
    log(`RDP bench skipped: ${skip}`);
    return { rows: [], viewerAddedP99: 0 };
  }
  const testbeds: XrdpTestbed[] = [];
  const operators: RdpOperator[] = [];
  let gateway: GatewayProcess | null = null;
  try {
    log(`starting ${SESSIONS} xrdp targets and a gateway`);
    for (let i = 0; i < SESSIONS; i++) testbeds.push(await startXrdp());
    gateway = await startGatewayProcess({ args: ['--log-level', 'warn'] });
    for (const [i, bed] of testbeds.entries()) {
      await grantOperatorRdp(gateway, `desk-${i + 1}`, bed, {
        login: `op${i + 1}`,
        name: `Operator ${i + 1}`,
        password: PASSWORD,
      });
    }
    const open = async (i: number) => {
      const operator = await RdpOperator.open(
        gateway!,
        { username: `op${i + 1}`, password: PASSWORD },
        { target: `desk-${i + 1}`, account: testbeds[i]!.user, ...SIZE },
      );
      operators.push(operator);
      operator.keepRects = false;
      const id = await operator.ready();
      operator.draw = false;
      return { operator, id };
    };
    const first = await open(0);
    const latency = await echoLatency(gateway, first, log);
    const load = await sessionLoad(gateway, first.operator, open, log);
    return { rows: [...latency.rows, ...load], viewerAddedP99: latency.viewerAddedP99 };
  } finally {
    for (const operator of operators) operator.ws.terminate();
    await gateway?.stop();
    for (const bed of testbeds) await bed.close();
  }
}

async function echoLatency(
  gateway: GatewayProcess,
  { operator, id }: { operator: RdpOperator; id: number },
  log: (line: string) => void,
): Promise<RdpBenchResult> {
  const viewer = await RdpViewer.watch(gateway, await adminLogin(gateway), id);
  viewer.draw = false;
  const toOperator: number[] = [];
  const toViewer: number[] = [];
  const added: number[] = [];
  let waiting: { sent: number; operator: number | null; viewer: number | null; done(): void } | null = null;
  const arrived = () => {
    if (waiting?.operator != null && waiting.viewer != null) waiting.done();
  };
  operator.onRect = (at) => {
    if (waiting !== null && waiting.operator === null) waiting.operator = at;
    arrived();
  };
  viewer.onRect = (at) => {
    if (waiting !== null && waiting.viewer === null) waiting.viewer = at;
    arrived();
  };
  const send = (keys: ScancodeEvent[]) => operator.send(keys.map((k) => ({ type: 'key', ...k })));
  const clearLine = async () => {
    send([
      { code: SCANCODES.leftControl, down: true, extended: false },
      ...typeText('u'),
      { code: SCANCODES.leftControl, down: false, extended: false },
    ]);
    await sleep(300);
  };
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < KEYS; i++) {
    if (i > 0 && i % LINE_KEYS === 0) await clearLine();
    const echoed = new Promise<void>((resolve) => {
      waiting = { sent: performance.now(), operator: null, viewer: null, done: resolve };
    });
    send(keyStroke(typeText(letters[i % letters.length]!)[0]!.code));
    const timedOut = await Promise.race([echoed.then(() => false), sleep(2000).then(() => true)]);
    const sample = waiting!;
    waiting = null;
    if (!timedOut) {
      toOperator.push(sample.operator! - sample.sent);
      toViewer.push(sample.viewer! - sample.sent);
      added.push(sample.viewer! - sample.operator!);
    }
    // The rest of this echo's rectangles (the cursor) pass before the next key.
    await sleep(40);
  }
  await clearLine();
  operator.onRect = null;
  viewer.close();
  const sorted = (samples: number[]) => [...samples].sort((x, y) => x - y);
  const [op, view, plus] = [sorted(toOperator), sorted(toViewer), sorted(added)];
  log(`${op.length} of ${KEYS} keys echoed to both the operator and the viewer`);
  const rows: BenchRow[] = [
    { name: "typed key → echo on the operator's page, p50", value: percentileOf(op, 50), unit: 'ms' },
    { name: "typed key → echo on the operator's page, p99", value: percentileOf(op, 99), unit: 'ms' },
    { name: 'typed key → echo in the Live Stream, p50', value: percentileOf(view, 50), unit: 'ms' },
    { name: 'typed key → echo in the Live Stream, p99', value: percentileOf(view, 99), unit: 'ms' },
    { name: 'Live Stream vs operator, same rectangle: added p50', value: percentileOf(plus, 50), unit: 'ms' },
    { name: 'Live Stream vs operator, same rectangle: added p99', value: percentileOf(plus, 99), unit: 'ms' },
  ];
  return { rows, viewerAddedP99: percentileOf(plus, 99) };
}

async function sessionLoad(
  gateway: GatewayProcess,
  first: RdpOperator,
  open: (i: number) => Promise<{ operator: RdpOperator; id: number }>,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const pid = gateway.child.pid!;
  await sleep(1000);
  // Memory is counted from here: one desktop open, the other nine opened now.
  const rssBefore = rssMb(pid);
  const all = [first];
  for (let i = 1; i < SESSIONS; i++) all.push((await open(i)).operator);
  log(`${all.length} desktops open`);
  const measure = async (seconds: number) => {
    const cpu = cpuMs(pid);
    const bytes = all.reduce((sum, o) => sum + o.received.bytes, 0);
    const started = performance.now();
    await sleep(seconds * 1000);
    const wallMs = performance.now() - started;
    return {
      cpuPercent: ((cpuMs(pid) - cpu) / wallMs) * 100,
      kbPerSecond: (all.reduce((sum, o) => sum + o.received.bytes, 0) - bytes) / 1024 / (wallMs / 1000),
    };
  };
  const idle = await measure(5);
  const rssIdle = rssMb(pid);
  for (const operator of all) operator.typeLine('while :; do seq 1 2000; done');
  await sleep(2000);
  const busy = await measure(SCROLL_SECONDS);
  const rssBusy = rssMb(pid);
  for (const operator of all) {
    operator.send([
      { type: 'key', code: SCANCODES.leftControl, down: true, extended: false },
      ...typeText('c').map((k) => ({ type: 'key' as const, ...k })),
      { type: 'key', code: SCANCODES.leftControl, down: false, extended: false },
    ]);
  }
  const n = SESSIONS;
  log(
    `gateway: idle ${idle.cpuPercent.toFixed(1)} % CPU; scrolling ${busy.cpuPercent.toFixed(1)} % CPU, ` +
      `${(busy.kbPerSecond / 1024).toFixed(1)} MB/s of screen updates; RSS ${rssBefore.toFixed(0)} → ${rssBusy.toFixed(0)} MB`,
  );
  return [
    { name: `gateway CPU per idle desktop (${n} open)`, value: idle.cpuPercent / n, unit: '% core' },
    { name: `gateway CPU per scrolling desktop (${n} at once)`, value: busy.cpuPercent / n, unit: '% core' },
    {
      name: 'screen updates relayed and recorded per scrolling desktop',
      value: busy.kbPerSecond / n,
      unit: 'KB/s',
    },
    { name: 'gateway memory per open desktop (idle)', value: (rssIdle - rssBefore) / (n - 1), unit: 'MB' },
    { name: 'gateway memory per scrolling desktop', value: (rssBusy - rssBefore) / (n - 1), unit: 'MB' },
  ];
}
