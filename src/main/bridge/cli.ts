import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RENDERER_DIR, startBridgeHost, type BridgeHost } from './host';
import { defaultBridgeDataDir } from './private-dir';

/**
 * `tsx src/main/bridge/cli.ts [--port N] [--data DIR] [--renderer DIR] [--gateway-url URL]
 * [--allow-origin ORIGIN]…` — serves the desktop app to a browser, at an address carrying this
 * run's secret. Environment fallbacks: VIGIL_BRIDGE_PORT, VIGIL_BRIDGE_DATA, VIGIL_GATEWAY_URL.
 */
const DEFAULT_PORT = 8444;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    renderer: { type: 'string' },
    'gateway-url': { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'Usage: tsx src/main/bridge/cli.ts [--port N] [--data DIR] [--renderer DIR]\n' +
      '                                 [--gateway-url https://HOST:PORT] [--allow-origin ORIGIN]...\n' +
      'Open the address it prints (it carries a secret for this run only).\n' +
      'Data (profiles, exports waiting for the browser) goes to a folder only you can read:\n' +
      `--data, or ${defaultBridgeDataDir()}.`,
  );
  process.exit(0);
}

const portText = values.port ?? process.env.VIGIL_BRIDGE_PORT;
const port = portText === undefined ? DEFAULT_PORT : Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0 for any free port), got "${portText}"`);
  process.exit(2);
}
const options = {
  userDataDir: resolve(values.data ?? process.env.VIGIL_BRIDGE_DATA ?? defaultBridgeDataDir()),
  rendererDir: resolve(values.renderer ?? DEFAULT_RENDERER_DIR),
  gatewayUrl: values['gateway-url'] ?? process.env.VIGIL_GATEWAY_URL,
  allowedOrigins: values['allow-origin'],
};

let host: BridgeHost;
try {
  host = await startBridgeHost({ ...options, port });
} catch (error) {
  // The default port being taken should not stop `npm start`; an explicit one should.
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || portText !== undefined) {
    console.error(`The bridge could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  host = await startBridgeHost({ ...options, port: 0 });
}

console.log(`Vigil bridge: ${host.appUrl}`);
console.log(`  data in ${options.userDataDir}; exports are browser downloads`);
console.log(`  renderer from ${options.rendererDir}`);

const stop = () => {
  void host.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
