// Shared by start.js and dev-browser.js: start child processes and wait for their ready lines.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

function waitForLine(child, pattern, name) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      console.log(`[${name}] ${line}`);
      const match = pattern.exec(line);
      if (match) resolve(match);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(`[${name}] ${chunk}`));
    child.on('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
  });
}

export async function startGateway(root, extraArgs) {
  const child = spawn(process.execPath, [join(root, 'bin/vigil-gateway.js'), 'serve', ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const match = await waitForLine(child, /listening on (https:\/\/\S+)/, 'gateway');
  return { child, url: match[1] };
}

export async function startBridge(root, gatewayUrl) {
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    const build = spawnSync(
      process.execPath,
      [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error('electron-vite build failed');
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/main/bridge/cli.ts'), '--gateway-url', gatewayUrl],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The address carries this run's secret (#bridge=…): the app cannot be opened without it.
  const match = await waitForLine(child, /(http:\/\/127\.0\.0\.1:\d+\/\S*)/, 'app');
  console.log(`Open ${match[1]} in a browser.`);
  return { child, url: match[1] };
}

export function onExit(children) {
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
