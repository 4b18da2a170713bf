import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { join, relative, sep } from 'node:path';
import { sha256File } from '../recording/sha256';
import { EVIDENCE_FILES } from '../shared/evidence';

/** The files of a bundle, by path relative to its root (forward slashes), wherever they lie. */
export interface BundleSource {
  kind: 'folder' | 'zip';
  paths(): string[];
  read(path: string): Buffer;
  hash(path: string): Promise<{ sha256: string; size: number }>;
}

/** A folder or a .zip (told apart by what is on disk, not by the name). */
export function openBundle(path: string): BundleSource {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new Error(`Cannot read the bundle ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  return stat.isDirectory() ? folderSource(path) : zipSource(path);
}

/** Whether a file is a zip archive (its first bytes), so `verify` can tell a bundle from a recording. */
export function looksLikeZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

function folderSource(root: string): BundleSource {
  const list: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else list.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  list.sort();
  const full = (path: string) => join(root, ...path.split('/'));
  return {
    kind: 'folder',
    paths: () => list,
    read: (path) => readFileSync(full(path)),
    hash: async (path) => ({ sha256: await sha256File(full(path)), size: statSync(full(path)).size }),
  };
}

function zipSource(file: string): BundleSource {
  let entries: ZipEntry[];
  const fd = openSync(file, 'r');
  try {
    entries = centralDirectory(fd, fstatSync(fd).size);
  } catch (err) {
    throw new Error(`${file} is neither a bundle folder nor a readable .zip: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    closeSync(fd);
  }
  const files = entries.filter((e) => !e.name.endsWith('/')).map((e) => e.name);
  // A zip made by the writer holds one top folder; one zipped from inside the folder holds none.
  const top =
    files.length > 0 && files.every((name) => name.includes('/')) ? files[0]!.split('/')[0]! + '/' : '';
  const prefix =
    top !== '' && files.every((name) => name.startsWith(top)) && files.includes(top + EVIDENCE_FILES.index)
      ? top
      : '';
  const byPath = new Map<string, ZipEntry>();
  for (const entry of entries)
    if (!entry.name.endsWith('/') && !byPath.has(entry.name.slice(prefix.length)))
      byPath.set(entry.name.slice(prefix.length), entry);
  const list = [...byPath.keys()].sort();
  const entryOf = (path: string) => {
    const entry = byPath.get(path);
    if (entry === undefined) throw new Error(`${path} is not in the bundle`);
    return entry;
  };
  return {
    kind: 'zip',
    paths: () => list,
    read: (path) => readEntry(file, entryOf(path)),
    hash: (path) => hashEntry(file, entryOf(path)),
  };
}

/** One file of a zip as its central directory describes it. */
interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The entries of a zip, read from its central directory (the file is never loaded whole). */
function centralDirectory(fd: number, fileSize: number): ZipEntry[] {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = Buffer.alloc(tailLength);
  readSync(fd, tail, 0, tailLength, fileSize - tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no zip directory found');
  const count = tail.readUInt16LE(eocd + 10);
  const size = tail.readUInt32LE(eocd + 12);
  const offset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new Error('zip64 archives are not supported');
  const directory = Buffer.alloc(size);
  readSync(fd, directory, 0, size, offset);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL)
      throw new Error('the zip directory is damaged');
    const nameLength = directory.readUInt16LE(at + 28);
    entries.push({
      method: directory.readUInt16LE(at + 10),
      compressedSize: directory.readUInt32LE(at + 20),
      localOffset: directory.readUInt32LE(at + 42),
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
  }
  return entries;
}

/** Where an entry's data starts (after its local header, whose name and extra fields vary). */
function dataStart(file: string, entry: ZipEntry): number {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(30);
    readSync(fd, header, 0, 30, entry.localOffset);
    if (header.readUInt32LE(0) !== LOCAL) throw new Error(`the zip entry ${entry.name} is damaged`);
    return entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    closeSync(fd);
  }
}

function checkMethod(entry: ZipEntry): void {
  if (entry.method !== 0 && entry.method !== 8)
    throw new Error(`the zip entry ${entry.name} uses an unsupported compression (${entry.method})`);
}

function readEntry(file: string, entry: ZipEntry): Buffer {
  checkMethod(entry);
  const raw = Buffer.alloc(entry.compressedSize);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, raw, 0, raw.length, dataStart(file, entry));
  } finally {
    closeSync(fd);
  }
  return entry.method === 0 ? raw : inflateRawSync(raw);
}

/** Hashes an entry as it streams out of the zip: a large recording is never held in memory. */
async function hashEntry(file: string, entry: ZipEntry): Promise<{ sha256: string; size: number }> {
  checkMethod(entry);
  const hash = createHash('sha256');
  let size = 0;
  if (entry.compressedSize > 0) {
    const start = dataStart(file, entry);
    const raw = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
    const bytes = entry.method === 0 ? raw : raw.pipe(createInflateRaw());
    if (bytes !== raw) raw.once('error', (err) => bytes.destroy(err));
    for await (const chunk of bytes) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest('hex'), size };
}
