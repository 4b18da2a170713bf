import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** Files above this are hashed in a worker thread, so sealing a large recording never stalls the gateway. */
const WORKER_THRESHOLD_BYTES = 8 * 1024 * 1024;

const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
createReadStream(workerData, { highWaterMark: 1024 * 1024 })
  .on('data', (chunk) => hash.update(chunk))
  .on('end', () => parentPort.postMessage(hash.digest('hex')))
  .on('error', (err) => { throw err; });
`;

/** Hex SHA-256 of a file's bytes as they are on disk. */
export async function sha256File(path: string): Promise<string> {
  if ((await stat(path)).size > WORKER_THRESHOLD_BYTES) return hashInWorker(path);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function hashInWorker(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: path });
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`hash worker exited with ${code}`)));
  });
}
