import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { IpcChannel, IpcValue } from '../../../src/shared/ipc';
import type { Result } from '../../../src/shared/result';
import {
  DirectorySaveTarget,
  createMainServices,
  type MainServices,
  type MainServicesOptions,
} from '../../../src/main/services';
import { startGatewayProcess, type GatewayProcess } from '../../support/gateway';
import { NoSecrets, signInTrusting } from './services';

const TEST_APP_INFO = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;

export interface TestServicesOptions {
  /** Where exports are saved (default: `downloads` in the user-data folder). */
  saveDir?: string;
  /** Where main's pushes to the renderer go (default: nowhere). */
  events?: MainServicesOptions['events'];
}

/** Main's services on `userDataDir`, offering `gatewayUrl`, with no keychain. */
export function createTestServices(
  userDataDir: string,
  gatewayUrl: string,
  options: TestServicesOptions = {},
): MainServices {
  return createMainServices({
    userDataDir,
    secrets: new NoSecrets(),
    saveTarget: new DirectorySaveTarget(options.saveDir ?? join(userDataDir, 'downloads')),
    events: options.events ?? (() => undefined),
    appInfo: TEST_APP_INFO,
    gatewayUrl,
  });
}

/** The app's side of a suite: its user-data folder and its main-process services. */
export interface TestApp {
  dir: string;
  services: MainServices;
}

/** Main's services on a fresh temporary folder, signed in to `gateway` as its admin. */
async function openAdminApp(gateway: GatewayProcess, tempPrefix: string): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
  const services = createTestServices(dir, gateway.url);
  try {
    await signInTrusting(services.handlers, gateway.fingerprint, 'admin', gateway.adminPassword);
  } catch (error) {
    await closeTestApp({ dir, services }, undefined);
    throw error;
  }
  return { dir, services };
}

/** Closes the services, stops the gateway and removes the folder: whichever of them were opened. */
export async function closeTestApp(
  app: Partial<TestApp> | undefined,
  gateway: GatewayProcess | undefined,
): Promise<void> {
  app?.services?.close();
  await gateway?.stop();
  if (app?.dir) rmSync(app.dir, { recursive: true, force: true });
}

/** A suite's app against a real gateway process. Its fields are set once the suite's beforeAll has run. */
export interface AdminAppSuite {
  gateway: GatewayProcess;
  app: TestApp;
  /** Calls one IPC channel as the renderer would. */
  call<C extends IpcChannel>(channel: C, ...args: unknown[]): Promise<Result<IpcValue<C>>>;
  /** Signs in again (as someone else, say), trusting the gateway's certificate. */
  signIn(username: string, password: string): Promise<string>;
}

/**
 * For a describe block: before its tests, a real gateway process that `seed` fills, then main's
 * services on a fresh folder signed in to it as its admin; all closed after them.
 */
export function useAdminApp(
  tempPrefix: string,
  seed: (gateway: GatewayProcess) => Promise<void>,
): AdminAppSuite {
  const suite = {
    call: (channel, ...args) => suite.app.services.handlers[channel](...args),
    signIn: (username, password) =>
      signInTrusting(suite.app.services.handlers, suite.gateway.fingerprint, username, password),
  } as AdminAppSuite;

  beforeAll(async () => {
    suite.gateway = await startGatewayProcess();
    await seed(suite.gateway);
    suite.app = await openAdminApp(suite.gateway, tempPrefix);
  });

  afterAll(() => closeTestApp(suite.app, suite.gateway));

  return suite;
}
