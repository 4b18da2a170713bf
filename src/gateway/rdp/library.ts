import rdpjs from 'node-rdpjs-2';
import rdpLog from 'node-rdpjs-2/lib/core/log.js';

// node-rdpjs writes bunyan JSON to stderr for routine events (a warning reading "undefined" at every
// TLS handshake) and for errors the connection reports anyway: keep the gateway's output its own.
for (const level of ['debug', 'info', 'warn', 'error'] as const) rdpLog[level] = () => undefined;

export const createRdpClient = rdpjs.createClient;
