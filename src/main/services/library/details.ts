import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import {
  RecordingManifestSchema,
  SessionEventSchema,
  SessionLogsSchema,
  SessionSchema,
  type RecordingManifest,
} from '../../../shared/api';
import type { LibraryItemDetails, LibrarySnapshot } from '../../../shared/ipc';
import { ITEM_FILES, type Library } from './library';

const SnapshotFileSchema = Type.Object({
  version: Type.Literal(1),
  savedAt: Type.String(),
  session: Type.Unknown(),
  events: Type.Unknown(),
  logs: Type.Unknown(),
});

/**
 * An item with what was kept beside its recording. Files are shown as they are on disk: one that
 * was altered into something unreadable is left out (null) rather than failing the whole view, so
 * the user still sees the item and why its verification failed.
 */
export async function itemDetails(library: Library, itemId: string): Promise<LibraryItemDetails> {
  const { item } = await library.get(itemId);
  const dir = library.itemDir(itemId);
  return {
    item,
    manifest: await readManifest(join(dir, ITEM_FILES.manifest)),
    snapshot: item.hasSnapshot ? await readSnapshot(join(dir, ITEM_FILES.snapshot)) : null,
  };
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

async function readManifest(path: string): Promise<RecordingManifest | null> {
  const data = await readJson(path);
  return Value.Check(RecordingManifestSchema, data) ? data : null;
}

/** The session is required; events and logs the user could not read then are null. */
async function readSnapshot(path: string): Promise<LibrarySnapshot | null> {
  const data = await readJson(path);
  if (!Value.Check(SnapshotFileSchema, data) || !Value.Check(SessionSchema, data.session)) return null;
  const events = Value.Check(Type.Array(SessionEventSchema), data.events) ? data.events : null;
  const logs = Value.Check(SessionLogsSchema, data.logs) ? data.logs : null;
  return { savedAt: data.savedAt, session: data.session, events, logs };
}
