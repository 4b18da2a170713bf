import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../csp';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export type Headers = Readonly<Record<string, string>>;

/**
 * The headers the Electron shell gives the renderer, so the browser runs it under the same rules;
 * the policy lets the page open its socket to this host only (`ws://127.0.0.1:PORT`).
 */
export function securityHeaders(port: number): Headers {
  return {
    'content-security-policy': contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`] }),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
}

/** Serves the built renderer; paths without a file extension fall back to index.html (client routes). */
export function serveRenderer(
  rootDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Headers,
): void {
  const root = resolve(rootDir);
  const plain = (status: number, text: string) => {
    res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Method not allowed');
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    return plain(503, `The renderer is not built: run \`npm run build\` (looked for ${index}).`);
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://bridge').pathname);
  } catch {
    return plain(400, 'Bad path');
  }
  const file = resolve(root, `.${pathname}`);
  if (pathname.includes('\0') || (file !== root && !file.startsWith(root + sep)))
    return plain(404, 'Not found');
  const found = isFile(file) ? file : extname(pathname) === '' ? index : null;
  if (found === null) return plain(404, 'Not found');
  res.writeHead(200, {
    ...headers,
    'content-type': CONTENT_TYPES[extname(found)] ?? 'application/octet-stream',
    'content-length': String(statSync(found).size),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(found).pipe(res);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
