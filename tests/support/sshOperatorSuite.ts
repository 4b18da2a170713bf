import { randomBytes } from 'node:crypto';
import type { Client } from 'ssh2';
import { afterAll, beforeAll } from 'vitest';
import { adminToken, connectOperator, startTestbed, TARGET_NAME, type Testbed } from '../gateway/sshTestbed';
import { startSshd, type TestSshd } from './sshd';

/** A suite's SSH testbed. Its fields are set once the suite's beforeAll has run. */
export interface OperatorSuite {
  sshd: TestSshd;
  tb: Testbed;
  /** Bearer token of a System Administrator (`boss`). */
  token: string;
  /** The operator allowed onto the target, and its password. */
  login: string;
  password: string;
  /** The operator's SSH connection through the gateway's proxy to the target. */
  connect(): Promise<Client>;
}

/**
 * For a describe block: before its tests, a real sshd and a gateway testbed on it, with operator
 * `login` (a random password) allowed onto the target and an administrator signed in; both stopped
 * after them.
 */
export function useOperatorTestbed(login = 'olga'): OperatorSuite {
  const password = `${login}-${randomBytes(6).toString('hex')}`;
  const suite = {
    login,
    password,
    connect: () =>
      connectOperator(suite.tb.sshPort, `${login}@${suite.sshd.user}@${TARGET_NAME}`, { password }),
  } as OperatorSuite;

  beforeAll(async () => {
    suite.sshd = await startSshd();
    suite.tb = await startTestbed(suite.sshd);
    await suite.tb.addUser(login, password);
    await suite.tb.admin.grantAccess(login, TARGET_NAME, suite.sshd.user);
    suite.token = await adminToken(suite.tb);
  }, 60_000);

  afterAll(async () => {
    await suite.tb?.stop();
    await suite.sshd?.stop();
  });

  return suite;
}
