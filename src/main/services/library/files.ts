import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IPC_ERROR } from '../../../shared/ipc';
import { AppFailure, describe } from '../errors';

const FOLDER_UNUSABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST']);

/**
 * A file-system error as the user is told it: what happened and what to do. Errors that are not
 * about the disk or the folder come back unchanged.
 */
export function fileSystemFailure(error: unknown, folder: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AppFailure(
      IPC_ERROR.diskFull,
      `The disk holding ${folder} is full. Free some space (or choose another library folder) and ` +
        'start the download again: the part already downloaded is kept and resumed.',
    );
  }
  if (code !== undefined && FOLDER_UNUSABLE.has(code)) {
    const why =
      code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR'
        ? 'part of its path is a file, not a folder'
        : code === 'EROFS'
          ? 'it is on a read-only disk'
          : 'Vigil has no permission to write there';
    return new AppFailure(
      IPC_ERROR.folderNotWritable,
      `Cannot write to the library folder ${folder}: ${why} (${code}). Choose another folder or ` +
        `fix its permissions, then try again. (${describe(error)})`,
    );
  }
  return error;
}

/** Makes a rename (or a new file) in `dir` durable: the folder entry itself is flushed. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a file's bytes to disk. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes through a temporary file, flushed, then renamed: a crash leaves the old file or the new one. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  // Unique per write: two writes of one file at once must not share (and truncate) a temporary.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  await syncDir(dirname(path));
}
