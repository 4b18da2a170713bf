import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { keepServingOnFaults } from '../../src/gateway/processGuards';
import { waitFor, waitForValue } from '../support/wait';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GUARDS_MODULE = fileURLToPath(new URL('../../src/gateway/processGuards.ts', import.meta.url));

/**
 * A stand-in for the serving gateway, in a process of its own (the fault handlers are process-wide
 * and the test runner has its own): an HTTP server whose /reject leaves a promise rejection
 * unhandled and whose /throw throws outside any handler, as a broken session or socket would.
 * Every other path answers "alive". Guarded like `vigil-gateway serve` unless started with "unguarded".
 */
const SERVER = `
import { createServer } from 'node:http';
const { keepServingOnFaults } = await import(${JSON.stringify(GUARDS_MODULE)});
if (!process.argv.includes('unguarded')) keepServingOnFaults((line) => console.error(line));
const server = createServer((req, res) => {
  if (req.url === '/reject') void Promise.reject(new Error('recording store lost a write'));
  if (req.url === '/throw') setImmediate(() => { throw new Error('ssh socket closed twice'); });
  res.end('alive');
});
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`;

interface Server {
  child: ChildProcess;
  port: number;
  log: () => string;
  exited: () => boolean;
}

const started: ChildProcess[] = [];

async function startServer(guarded: boolean): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', SERVER, ...(guarded ? [] : ['unguarded'])],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(child);
  let out = '';
  let err = '';
  let exited = false;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.once('exit', () => (exited = true));
  const port = await waitForValue(
    () => /listening (\d+)/.exec(out)?.[1],
    () => `the server to listen (output: ${out}${err})`,
  );
  return { child, port: Number(port), log: () => err, exited: () => exited };
}

function get(server: Server, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: server.port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('a serving gateway meeting a fault nobody handled', () => {
  it('logs an unhandled promise rejection and keeps answering', async () => {
    const server = await startServer(true);
    expect(await get(server, '/reject')).toBe('alive');
    await waitFor(
      () => server.log().includes('unhandled promise rejection (still serving)'),
      () => `the rejection to be logged (log: ${server.log()})`,
    );
    expect(server.log()).toContain(
      'vigil-gateway: unhandled promise rejection (still serving): Error: recording store lost a write',
    );
    expect(await get(server, '/sessions')).toBe('alive');
    expect(server.exited()).toBe(false);
  });

  it('logs an uncaught exception and keeps answering', async () => {
    const server = await startServer(true);
    expect(await get(server, '/throw')).toBe('alive');
    await waitFor(
      () => server.log().includes('uncaught exception (still serving)'),
      () => `the exception to be logged (log: ${server.log()})`,
    );
    expect(server.log()).toContain(
      'vigil-gateway: uncaught exception (still serving): Error: ssh socket closed twice',
    );
    expect(await get(server, '/sessions')).toBe('alive');
    expect(await get(server, '/throw')).toBe('alive');
    await waitFor(
      () => server.log().split('uncaught exception (still serving)').length === 3,
      () => `the second exception to be logged (log: ${server.log()})`,
    );
    expect(await get(server, '/sessions')).toBe('alive');
    expect(server.exited()).toBe(false);
  });

  it('without the guards the same fault ends the process', async () => {
    const server = await startServer(false);
    await get(server, '/throw');
    await waitFor(server.exited, 'the unguarded process to exit');
    expect(server.log()).toContain('ssh socket closed twice');
    expect(server.log()).not.toContain('still serving');
  });
});

describe('stopping the guards', () => {
  it('removes both handlers it installed, so a stopped gateway exits as usual', () => {
    const before = {
      rejection: process.listenerCount('unhandledRejection'),
      exception: process.listenerCount('uncaughtException'),
    };
    const stop = keepServingOnFaults(() => {});
    expect(process.listenerCount('unhandledRejection')).toBe(before.rejection + 1);
    expect(process.listenerCount('uncaughtException')).toBe(before.exception + 1);
    stop();
    expect(process.listenerCount('unhandledRejection')).toBe(before.rejection);
    expect(process.listenerCount('uncaughtException')).toBe(before.exception);
  });
});
