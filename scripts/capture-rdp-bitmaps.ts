// Regenerates tests/fixtures/rdp/xrdp-bitmaps.bin: real compressed bitmaps from a private xrdp (as
// root, with xrdp and xorgxrdp installed): the login's full repaint, coloured xterm text, a long
// listing and a scroll. Run: npx tsx scripts/capture-rdp-bitmaps.ts [output path]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { xrdpLoginWatcher } from '../src/gateway/rdp/loginWatch';
import { typeText } from '../src/gateway/rdp/scancodes';
import { RdpTargetConnection, type RdpBitmapRect } from '../src/gateway/rdp/targetConnection';
import { encodeBitmapFixture } from '../tests/support/rdpBitmapFixture';
import { startXrdp, xrdpSkipReason } from '../tests/support/xrdpTestbed';

const WIDTH = 800;
const HEIGHT = 600;
const COMMANDS = [
  `printf '\\033[41m red \\033[42m green \\033[44m blue \\033[43;30m yellow \\033[0m plain\\n'`,
  'ls -la /etc | head -30',
  'seq 1 100',
];

const output = resolve(process.argv[2] ?? 'tests/fixtures/rdp/xrdp-bitmaps.bin');
const skip = xrdpSkipReason();
if (skip !== null) {
  console.error(`capture-rdp-bitmaps: ${skip}`);
  process.exit(1);
}

const bed = await startXrdp();
try {
  const rects: RdpBitmapRect[] = [];
  const connection = new RdpTargetConnection({
    host: bed.host,
    port: bed.port,
    user: bed.user,
    password: bed.password,
    width: WIDTH,
    height: HEIGHT,
    certificate: { pinned: bed.certificateFingerprint },
    login: xrdpLoginWatcher,
  });
  connection.on('bitmap', (rect) => rects.push(rect));
  await connection.ready;
  await settled(rects);
  for (const command of COMMANDS) {
    for (const key of typeText(`${command}\n`)) connection.key(key.code, key.down, key.extended);
    while (connection.pendingInput > 0) await sleep(20);
    await settled(rects);
  }
  connection.drop();

  const file = encodeBitmapFixture(rects);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, file);
  const padded = rects.filter((r) => r.right - r.x + 1 !== r.width || r.bottom - r.y + 1 !== r.height);
  console.log(
    `capture-rdp-bitmaps: ${rects.length} rectangles, ${file.length} bytes, ` +
      `${rects.filter((r) => r.compressed).length} compressed, bpp ${[...new Set(rects.map((r) => r.bpp))].join('/')}, ` +
      `${padded.length} with a bitmap larger than their screen area -> ${output}`,
  );
} finally {
  await bed.close();
}

/** Waits until the target has painted nothing new for a while. */
async function settled(rects: readonly RdpBitmapRect[], quietMs = 700): Promise<void> {
  let count = -1;
  while (count !== rects.length) {
    count = rects.length;
    await sleep(quietMs);
  }
}
