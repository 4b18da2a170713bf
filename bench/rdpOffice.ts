import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RdpOperator } from '../tests/gateway/rdp/rdpOperator';
import { grantOperatorRdp, startGatewayProcess, type GatewayProcess } from '../tests/support/gateway';
import { adminLogin, apiCall } from '../tests/support/gatewayHttp';
import { waitForValue } from '../tests/support/wait';
import { desktopDisplay, startXrdp, xrdpSkipReason, type XrdpTestbed } from '../tests/support/xrdpTestbed';
import type { BenchRow } from './report';

/** What an hour of office work may cost on disk (the anchors record 25–47 MB and more). */
export const RDP_OFFICE_TARGET_MB_PER_HOUR = 10;

export interface RdpOfficeResult {
  rows: BenchRow[];
  mbPerHour: number;
}

const SIZE = { width: 1024, height: 768 };
const PASSWORD = 'bench-office-passphrase';

/**
 * A scripted office session on a real xrdp desktop, driven with xdotool inside the session while an
 * operator's page holds it open through the gateway: typing at a person's pace, listings and
 * scrolling output, windows opened and closed, idle spells. The recording's size, scaled to an
 * hour, against the target; `VIGIL_BENCH_RDP_OFFICE_MINUTES` sets the length (default 5).
 */
export async function benchRdpOffice(
  log: (line: string) => void = () => undefined,
): Promise<RdpOfficeResult> {
  const skip = xrdpSkipReason();
  if (skip !== null) {
    log(`RDP office bench skipped: ${skip}`);
    return { rows: [], mbPerHour: 0 };
  }
  const minutes = Number(process.env.VIGIL_BENCH_RDP_OFFICE_MINUTES ?? 5);
  let xrdp: XrdpTestbed | null = null;
  let gateway: GatewayProcess | null = null;
  try {
    xrdp = await startXrdp();
    gateway = await startGatewayProcess({ args: ['--log-level', 'warn'] });
    await grantOperatorRdp(gateway, 'desk-01', xrdp, { login: 'olive', name: 'Olive', password: PASSWORD });
    const operator = await RdpOperator.open(
      gateway,
      { username: 'olive', password: PASSWORD },
      { target: 'desk-01', account: xrdp.user, ...SIZE },
    );
    operator.draw = false;
    operator.keepRects = false;
    const ready = await waitForValue(
      () => operator.messages.find((m) => m.type === 'ready'),
      'the desktop to open',
      20_000,
    );
    const sessionId = Number(ready.sessionId);
    const display = desktopDisplay(xrdp);
    const xdotool = (...args: string[]) =>
      spawnSync('xdotool', args, { env: { ...process.env, ...display }, encoding: 'utf8' });
    const typeLine = (text: string) => {
      xdotool('type', '--delay', '110', text);
      xdotool('key', 'Return');
    };
    log(`scripted office work on the desktop for ${minutes} minute(s)`);
    const start = performance.now();
    const until = start + minutes * 60_000;
    for (let round = 0; performance.now() < until; round++) {
      typeLine(`echo "Checking the backup report of the web servers, round ${round}"`);
      typeLine('ls -la /usr/share/doc | head -40');
      await sleep(4_000);
      typeLine('seq 1 400');
      await sleep(2_000);
      // A second window, open for a while, then gone.
      typeLine(`xterm -geometry 90x30+160+${80 + (round % 5) * 30} -e 'timeout 8 less /etc/services' &`);
      await sleep(10_000);
      typeLine('clear');
      await sleep(15_000);
    }
    const elapsedHours = (performance.now() - start) / 3_600_000;
    const token = await adminLogin(gateway);
    await apiCall(gateway, 'POST', `/sessions/${sessionId}/drop`, token, {});
    const finished = await waitForValue(
      async () => {
        const row = JSON.parse((await apiCall(gateway!, 'GET', `/sessions/${sessionId}`, token)).body) as {
          status: string;
          recording: { size: number } | null;
        };
        return row.status === 'finished' && row.recording !== null ? row.recording : undefined;
      },
      'the session to finish with its recording',
      30_000,
    );
    const mbPerHour = finished.size / 1e6 / elapsedHours;
    const wireMbPerHour = operator.received.bytes / 1e6 / elapsedHours;
    return {
      mbPerHour,
      rows: [
        { name: 'session length', value: elapsedHours * 60, unit: 'minutes' },
        { name: 'rectangles sent to the operator', value: wireMbPerHour, unit: 'MB per hour' },
        { name: 'recording', value: mbPerHour, unit: 'MB per hour' },
        { name: 'recording / rectangles sent', value: mbPerHour / wireMbPerHour, unit: 'x' },
      ],
    };
  } finally {
    await gateway?.stop();
    await xrdp?.close();
  }
}
