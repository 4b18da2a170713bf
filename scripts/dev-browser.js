#!/usr/bin/env node
// `npm run dev:browser`: the gateway plus the desktop app's renderer served to a browser by the
// bridge host (the same main-process services, over a local WebSocket). For development and demos
// on machines without Electron.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, startBridge, onExit } from './launch.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gateway = await startGateway(root, process.argv.slice(2));
const bridge = await startBridge(root, gateway.url);
onExit([gateway.child, bridge.child]);
