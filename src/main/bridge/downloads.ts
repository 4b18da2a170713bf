import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { BRIDGE_DOWNLOAD_PATH } from '../../shared/bridge';
import type { ExportDownload } from '../../shared/ipc';
import type { SaveTarget } from '../services';
import { ensurePrivateDir } from './private-dir';

/** What each export format is served as; anything else is plain bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.csv': 'text/csv; charset=utf-8',
  '.cast': 'application/x-asciicast',
  '.mp4': 'video/mp4',
};

/** An export the page has not fetched yet is deleted after this long. */
const UNCLAIMED_MS = 10 * 60_000;

interface Waiting {
  path: string;
  fileName: string;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Exports in the browser bridge: the file is staged in a private folder, then fetched once by the
 * page from an unguessable address and saved by the browser as a download (the browser's own
 * folder and prompt, as in any web app). A fetched or unclaimed file is deleted.
 */
export class BrowserDownloads implements SaveTarget {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly dir: string,
    private readonly unclaimedMs = UNCLAIMED_MS,
  ) {}

  async choose(suggestedName: string): Promise<string> {
    ensurePrivateDir(this.dir);
    const extension = /^\.[a-z0-9]{1,8}$/i.test(extname(suggestedName)) ? extname(suggestedName) : '';
    return join(this.dir, `${randomBytes(16).toString('hex')}${extension}`);
  }

  deliver(path: string, suggestedName: string): ExportDownload {
    const token = randomBytes(24).toString('base64url');
    const timer = setTimeout(() => this.discard(token), this.unclaimedMs);
    timer.unref();
    this.waiting.set(token, { path, fileName: suggestedName, timer });
    return { url: `${BRIDGE_DOWNLOAD_PATH}${token}`, fileName: suggestedName };
  }

  /** Answers GET /downloads/<token>; false when the request is not for a download. */
  serve(req: IncomingMessage, res: ServerResponse, headers: Readonly<Record<string, string>>): boolean {
    const { pathname } = new URL(req.url ?? '/', 'http://bridge');
    if (!pathname.startsWith(BRIDGE_DOWNLOAD_PATH)) return false;
    const token = pathname.slice(BRIDGE_DOWNLOAD_PATH.length);
    const file = req.method === 'GET' ? this.waiting.get(token) : undefined;
    if (file === undefined) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end('No such download (each one can be fetched once)');
      return true;
    }
    clearTimeout(file.timer);
    this.waiting.delete(token);
    res.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[extname(file.fileName).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(statSync(file.path).size),
      'content-disposition': `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
    });
    const stream = createReadStream(file.path);
    stream.pipe(res);
    stream.once('close', () => rmSync(file.path, { force: true }));
    return true;
  }

  /** Deletes every file still waiting (the host is stopping). */
  close(): void {
    for (const token of [...this.waiting.keys()]) this.discard(token);
  }

  private discard(token: string): void {
    const file = this.waiting.get(token);
    if (file === undefined) return;
    clearTimeout(file.timer);
    this.waiting.delete(token);
    rmSync(file.path, { force: true });
  }
}
