import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { RecordingManifestSchema, type RecordingManifest } from '../../../shared/api';
import { IPC_ERROR, type LibraryImportInput, type LibraryItem } from '../../../shared/ipc';
import { decodeSignature } from '../../../recording/manifest';
import { AppFailure, ValidationError, describe } from '../errors';
import type { ProfileStore } from '../profile-store';
import { fileSystemFailure, syncDir, syncFile, writeFileAtomic } from './files';
import type { LibraryFolder } from './folder';
import { safeKeyId, verifyItem, type ItemFiles } from './verify-item';

/** The files of one item, inside its own folder of the library. */
export const ITEM_FILES = {
  recording: 'recording.vrec',
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  snapshot: 'session.json',
  /** Written last: a folder without it is a download in progress, never a library item. */
  meta: 'item.json',
} as const;

const ItemMetaSchema = Type.Object({
  version: Type.Literal(1),
  item: Type.Unsafe<LibraryItem>(Type.Object({ itemId: Type.String(), sessionId: Type.Integer() })),
  /** The key that came with the files; it only tells Unknown key from Altered. */
  publicKey: Type.Union([Type.String(), Type.Null()]),
});
export type ItemMeta = Static<typeof ItemMetaSchema>;

/** Where an item came from, when it is added. */
export interface ItemOrigin {
  profileId: string | null;
  gatewayUrl: string | null;
  publicKey: string | null;
  imported: boolean;
  hasSnapshot: boolean;
}

/** The folder name of a recording: its session and hash (so two gateways' session 7 do not meet). */
export function itemIdFor(manifest: RecordingManifest, imported: boolean): string {
  const hash = manifest.hash.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
  return `${imported ? 'i' : 's'}${manifest.sessionId}-${hash}`;
}

export class LibraryItemNotFoundError extends AppFailure {
  constructor(itemId: string) {
    super(IPC_ERROR.libraryItemNotFound, `No recording ${itemId} in the library`);
  }
}

/**
 * The offline library: one folder per recording with the file, its manifest and signature, and a
 * snapshot of the session's info, events and logs. Everything here works without a gateway.
 */
export class Library {
  constructor(private readonly deps: { folder: LibraryFolder; profiles: ProfileStore; now: () => Date }) {}

  folder(): string {
    return this.deps.folder.get();
  }

  itemDir(itemId: string): string {
    return join(this.folder(), itemId);
  }

  files(itemId: string): ItemFiles {
    const dir = this.itemDir(itemId);
    return {
      recording: join(dir, ITEM_FILES.recording),
      manifest: join(dir, ITEM_FILES.manifest),
      signature: join(dir, ITEM_FILES.signature),
    };
  }

  async list(): Promise<LibraryItem[]> {
    let names: string[];
    try {
      names = await readdir(this.folder());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fileSystemFailure(error, this.folder());
    }
    const items: LibraryItem[] = [];
    for (const name of names.sort()) {
      const meta = await this.readMeta(name);
      if (meta !== null) items.push(meta.item);
    }
    return items.sort((a, b) => b.addedAt.localeCompare(a.addedAt));
  }

  async has(itemId: string): Promise<boolean> {
    return (await this.readMeta(itemId)) !== null;
  }

  async get(itemId: string): Promise<ItemMeta> {
    const meta = await this.readMeta(itemId);
    if (meta === null) throw new LibraryItemNotFoundError(itemId);
    return meta;
  }

  async verify(itemId: string): Promise<LibraryItem> {
    const meta = await this.get(itemId);
    const verification = await verifyItem(this.files(itemId), {
      profileId: meta.item.profileId,
      untrustedPublicKey: meta.publicKey,
      profiles: this.deps.profiles.list(),
      now: this.deps.now(),
    });
    const item = { ...meta.item, verification };
    await this.writeMeta(itemId, { ...meta, item });
    return item;
  }

  async delete(itemId: string): Promise<void> {
    await this.get(itemId);
    try {
      await rm(this.itemDir(itemId), { recursive: true, force: true });
    } catch (error) {
      throw fileSystemFailure(error, this.folder());
    }
  }

  async reveal(itemId: string): Promise<{ path: string }> {
    await this.get(itemId);
    return { path: this.files(itemId).recording };
  }

  /**
   * Makes a folder whose recording, manifest and signature are in place an item: checked, then
   * item.json written (the last step, so a crash before it leaves no half item in the list).
   */
  async complete(itemId: string, manifest: RecordingManifest, origin: ItemOrigin): Promise<LibraryItem> {
    const verification = await verifyItem(this.files(itemId), {
      profileId: origin.profileId,
      untrustedPublicKey: origin.publicKey,
      profiles: this.deps.profiles.list(),
      now: this.deps.now(),
    });
    const item: LibraryItem = {
      itemId,
      sessionId: manifest.sessionId,
      profileId: origin.profileId,
      gatewayUrl: origin.gatewayUrl,
      operator: manifest.operator,
      account: manifest.account,
      target: manifest.target,
      protocol: manifest.protocol,
      startedAt: manifest.startedAt,
      endedAt: manifest.endedAt,
      durationMs: manifest.durationMs,
      size: manifest.size,
      sha256: manifest.sha256,
      addedAt: this.deps.now().toISOString(),
      imported: origin.imported,
      hasSnapshot: origin.hasSnapshot,
      verification,
    };
    try {
      await this.writeMeta(itemId, { version: 1, item, publicKey: origin.publicKey });
    } catch (error) {
      throw fileSystemFailure(error, this.folder());
    }
    return item;
  }

  /** Copies a recording someone sent into the library and checks it with the key its manifest names. */
  async import(input: LibraryImportInput): Promise<LibraryItem> {
    const manifestBytes = await readInput(input.manifest, 'the manifest');
    let manifest: unknown;
    try {
      manifest = JSON.parse(manifestBytes.toString('utf8'));
    } catch {
      manifest = null;
    }
    if (!Value.Check(RecordingManifestSchema, manifest)) {
      throw new ValidationError(`${input.manifest} is not a Vigil recording manifest`);
    }
    const signatureBytes = await readInput(input.signature, 'the signature');
    try {
      decodeSignature(signatureBytes);
    } catch (error) {
      throw new ValidationError(`${input.signature}: ${describe(error)}`);
    }
    let publicKey: string | null = null;
    if (input.publicKey !== undefined) {
      publicKey = (await readInput(input.publicKey, 'the public key')).toString('utf8');
      if (safeKeyId(publicKey) === null)
        throw new ValidationError(`${input.publicKey} holds no usable public key`);
    }
    try {
      await stat(input.recording);
    } catch (error) {
      throw new ValidationError(
        `Cannot read the recording ${input.recording}: ${(error as NodeJS.ErrnoException).code ?? describe(error)}`,
      );
    }
    const itemId = itemIdFor(manifest, true);
    if (await this.has(itemId)) return this.verify(itemId);
    const dir = this.itemDir(itemId);
    const files = this.files(itemId);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await copyFile(input.recording, files.recording);
      await syncFile(files.recording);
      await writeFileAtomic(files.manifest, manifestBytes);
      await writeFileAtomic(files.signature, signatureBytes);
      await syncDir(dir);
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw fileSystemFailure(error, this.folder());
    }
    return this.complete(itemId, manifest, {
      profileId: null,
      gatewayUrl: null,
      publicKey,
      imported: true,
      hasSnapshot: false,
    });
  }

  private async readMeta(itemId: string): Promise<ItemMeta | null> {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(itemId)) return null;
    try {
      const data: unknown = JSON.parse(await readFile(join(this.itemDir(itemId), ITEM_FILES.meta), 'utf8'));
      return Value.Check(ItemMetaSchema, data) ? data : null;
    } catch {
      return null;
    }
  }

  private writeMeta(itemId: string, meta: ItemMeta): Promise<void> {
    return writeFileAtomic(join(this.itemDir(itemId), ITEM_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
  }
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ValidationError(
      `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? describe(error)}`,
    );
  }
}
