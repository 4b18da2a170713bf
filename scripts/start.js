#!/usr/bin/env node
// `npm start`: runs the gateway (embedded SQLite in ./data) and the desktop app pointed at it.
// Where the Electron binary is not installed (headless servers, CI machines), the same renderer
// is served to a browser through the bridge host instead, and its address is printed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, startBridge, onExit } from './launch.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronInstalled() {
  try {
    const pathFile = join(dirname(require.resolve('electron/package.json')), 'path.txt');
    return existsSync(pathFile);
  } catch {
    return false;
  }
}

const gateway = await startGateway(root, process.argv.slice(2));
if (electronInstalled()) {
  const cli = require.resolve('electron-vite/bin/electron-vite.js');
  const app = spawn(process.execPath, [cli, 'preview'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, VIGIL_GATEWAY_URL: gateway.url },
  });
  onExit([gateway.child, app]);
  app.on('exit', (code) => {
    gateway.child.kill('SIGTERM');
    process.exitCode = code ?? 0;
  });
} else {
  console.log(
    'Electron is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD?): serving the app to a browser.',
  );
  const bridge = await startBridge(root, gateway.url);
  onExit([gateway.child, bridge.child]);
}
