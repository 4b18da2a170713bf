import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { BRIDGE_FILE_NAME_HEADER, BRIDGE_UPLOAD_PATH } from '../../shared/bridge';
import { IPC_ERROR } from '../../shared/ipc';
import { fail, ok, type Result } from '../../shared/result';
import { ensurePrivateDir } from './private-dir';
import type { Headers } from './static-files';

/** A recording sent for import: SSH recordings are ~100 KB an hour, graphical ones far more. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

/**
 * Files a browser page hands over for import (a page has the bytes, never a path). Each goes into
 * its own random folder under a private one, keeping its name (sanitised), and the page gets its
 * path back to pass on to IPC calls. Everything received is deleted when the host stops.
 */
export class BrowserUploads {
  constructor(
    private readonly dir: string,
    private readonly maxBytes = MAX_UPLOAD_BYTES,
  ) {}

  handles(req: IncomingMessage): boolean {
    return new URL(req.url ?? '/', 'http://bridge').pathname === BRIDGE_UPLOAD_PATH;
  }

  /** Answers POST /uploads; `allowed` says whether the request comes from the page of this run. */
  async receive(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Headers,
    allowed: (req: IncomingMessage) => boolean,
  ): Promise<void> {
    const answer = (status: number, result: Result<string>) => {
      res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(result));
    };
    if (req.method !== 'POST') return answer(405, fail(IPC_ERROR.validation, 'Uploads are POST requests'));
    if (!allowed(req)) {
      req.resume();
      return answer(403, fail('FORBIDDEN', 'Only the page of this bridge run may upload files'));
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBytes) {
      req.resume();
      return answer(413, fail(IPC_ERROR.validation, this.tooBig()));
    }
    const folder = join(ensurePrivateDir(this.dir), randomBytes(12).toString('hex'));
    mkdirSync(folder, { mode: 0o700 });
    const path = join(folder, safeName(req.headers[BRIDGE_FILE_NAME_HEADER]));
    const saved = await this.save(req, path);
    if (saved === 'too big') {
      rmSync(folder, { recursive: true, force: true });
      return answer(413, fail(IPC_ERROR.validation, this.tooBig()));
    }
    if (saved !== 'ok') {
      rmSync(folder, { recursive: true, force: true });
      return answer(500, fail(IPC_ERROR.internal, `The file could not be received: ${saved}`));
    }
    answer(200, ok(path));
  }

  /** Deletes every file received (the host is stopping). */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private save(req: IncomingMessage, path: string): Promise<'ok' | 'too big' | string> {
    return new Promise((resolve) => {
      const out = createWriteStream(path, { mode: 0o600 });
      let bytes = 0;
      let done = false;
      const finish = (outcome: string) => {
        if (done) return;
        done = true;
        if (outcome !== 'ok') {
          req.unpipe(out);
          out.destroy();
          req.resume();
        }
        resolve(outcome);
      };
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > this.maxBytes) finish('too big');
      });
      req.once('error', (error) => finish(error.message));
      req.once('aborted', () => finish('the upload was cut off'));
      out.once('error', (error) => finish(error.message));
      out.once('finish', () => finish('ok'));
      req.pipe(out);
    });
  }

  private tooBig(): string {
    return `The file is larger than the ${Math.round(this.maxBytes / 1024 / 1024)} MB a browser may hand over`;
  }
}

/** The name the page sent, reduced to a harmless file name (never a path). */
function safeName(header: string | string[] | undefined): string {
  let name = typeof header === 'string' ? header : '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // Kept as sent; the characters below are replaced anyway.
  }
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[^\w.-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 120);
  return clean === '' ? 'upload' : clean;
}
