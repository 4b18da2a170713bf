import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RecordingWriter, sha256File } from '../../src/recording';
import { FolderRecordingStore } from '../../src/gateway/recordings/folderStore';
import { RecordingSharing } from '../../src/gateway/services/recordingSharing';
import { SessionTextService } from '../../src/gateway/services/sessionText';
import type { SessionFacts } from '../../src/gateway/services/sessionLedger';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { waitForValue } from '../support/wait';

/**
 * A finished recording whose copy to the shared store fails stays on the node, sealed and served
 * there, and is moved by a later sweep once the store is back: no recording is left behind for good.
 */
let gw: TestGateway;
let operatorId: number;
let sharedFolder: string;
let logged: string[];
let sharing: RecordingSharing;

beforeEach(async () => {
  gw = await createTestGateway();
  operatorId = await gw.addUser('olga', 'Operator');
  mkdirSync(join(gw.dir, 'recordings'), { recursive: true });
  // A file where the shared folder should be: every copy fails until it is replaced by a folder.
  sharedFolder = join(gw.dir, 'shared');
  writeFileSync(sharedFolder, 'the share is not mounted');
  logged = [];
  sharing = new RecordingSharing(
    gw.store,
    new FolderRecordingStore(sharedFolder),
    gw.services.seal,
    join(gw.dir, 'recordings'),
    (message) => logged.push(message),
  );
});

afterEach(async () => {
  await sharing.close();
  await gw.close();
});

const facts = (): SessionFacts => ({
  userId: operatorId,
  originIp: '10.9.8.7',
  credential: 'root',
  device: 'web-01',
  request: 'shell',
});

/** A finished, sealed session with a real recording on this node's disk. */
async function sealedSession(hash: string): Promise<{ id: number; file: string }> {
  const path = `recordings/${hash}.vrec`;
  const file = join(gw.dir, path);
  let t = 0;
  const writer = new RecordingWriter({ path: file, sessionId: hash, now: () => t, checkpoints: false });
  writer.output(Buffer.from(`$ hostname\r\n${hash}\r\n`));
  t = 2_000;
  await writer.close();
  const recording = { path, size: statSync(file).size, sha256: await sha256File(file) };
  const id = await gw.services.ledger.open(facts(), hash, Date.now() - 5_000, path);
  await gw.services.ledger.finish(id, facts(), Date.now(), {
    errorMessage: null,
    note: 'The operator closed the session',
    recording,
  });
  expect(await gw.services.seal.stored(id), 'sealed on finish').not.toBeNull();
  return { id, file };
}

const manifestBeside = (file: string, hash: string) => join(file, '..', `${hash}.manifest.json`);

function mountShare(): void {
  rmSync(sharedFolder);
  mkdirSync(sharedFolder);
}

describe('a recording the shared store could not take', () => {
  test('stays on the node with its seal, and the next sweep moves it once the store is back', async () => {
    const { id, file } = await sealedSession('c0ffee01');
    const bytes = readFileSync(file);

    sharing.publish(id);
    await waitForValue(() => logged.find((line) => line.includes(`session ${id}`)), 'the failed copy logged');
    expect(logged[0]).toMatch(/^Could not copy the recording of session \d+ to the shared store \(it stays/);
    expect(existsSync(file), 'the recording is still on the node').toBe(true);
    expect(existsSync(manifestBeside(file, 'c0ffee01'))).toBe(true);

    expect(await sharing.publishLeftBehind(), 'the store is still down').toEqual([]);
    expect(existsSync(file)).toBe(true);

    mountShare();
    expect(await sharing.publishLeftBehind()).toEqual([id]);
    expect(existsSync(file), 'moved, not copied').toBe(false);
    expect(existsSync(manifestBeside(file, 'c0ffee01'))).toBe(false);
    expect(await buffer(await sharing.shared!.read('c0ffee01'))).toEqual(bytes);
    expect(await sharing.publishLeftBehind(), 'nothing left to move').toEqual([]);

    // The session text is built from the shared copy, brought back only for that.
    const texts = new SessionTextService(gw.store, gw.dir, Date.now, (hash, path) =>
      sharing.fetch(hash, path),
    );
    expect(await texts.ensure(id)).toMatchObject({ status: 'ready' });
    expect((await texts.page(id, 0, 10)).items.map((line) => line.text)).toContain('c0ffee01');
    expect(existsSync(file), 'the copy read for the text is gone again').toBe(false);
    await texts.close();
  });

  test('the timed sweep moves every recording left behind, without anyone asking', async () => {
    const first = await sealedSession('c0ffee02');
    const second = await sealedSession('c0ffee03');
    sharing.retry(50);
    await waitForValue(
      () => (logged.filter((line) => line.startsWith('Could not copy')).length >= 2 ? true : undefined),
      'both copies to fail while the share is missing',
    );

    mountShare();
    const moved = await waitForValue(
      () => logged.find((line) => line.startsWith('Moved ')),
      () => `a sweep to move them: ${logged.join('\n')}`,
    );
    expect(moved).toBe(
      `Moved 2 recording(s) left on this node to the shared store: ${first.id}, ${second.id}`,
    );
    expect([existsSync(first.file), existsSync(second.file)]).toEqual([false, false]);
    expect(await sharing.shared!.exists('c0ffee02')).toBe(true);
    expect(await sharing.shared!.exists('c0ffee03')).toBe(true);
  });
});
