import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The operator's RDP page: one HTML shell, one script bundled from src/operator, one stylesheet. */
export interface OperatorPage {
  html: string;
  script: string;
  style: string;
}

const SOURCE = (name: string) => fileURLToPath(new URL(`../../operator/${name}`, import.meta.url));

/** Nothing but the gateway itself: its own script, its own styles, its own WebSocket. */
export const OPERATOR_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Builds the page when the gateway starts (esbuild takes a fraction of a second), so a gateway run
 * from source never serves a stale bundle and needs no build step of its own.
 */
export async function buildOperatorPage(): Promise<OperatorPage> {
  const [bundle, style] = await Promise.all([
    build({
      entryPoints: [SOURCE('main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      legalComments: 'none',
    }),
    readFile(SOURCE('style.css'), 'utf8'),
  ]);
  return {
    html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil remote desktop</title>
<link rel="stylesheet" href="/rdp/app.css">
<script type="module" src="/rdp/app.js"></script>
</head>
<body><main id="app"></main></body>
</html>
`,
    script: bundle.outputFiles[0]!.text,
    style,
  };
}
