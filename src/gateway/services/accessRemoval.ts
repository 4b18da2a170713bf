import type { EventType } from '../../shared/events';
import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';
import type { UserRecord } from '../db/users';
import { conflict, notFound } from '../errors';
import { describeRule } from './commandRulesAdmin';
import type { Clock } from '../time';
import { logAdministration } from './administrationEvent';

/**
 * The administration use cases that take access away (the CLI). Each one is committed with its
 * event; the running gateway notices the change (an access-generation counter the database keeps)
 * and ends the live sessions and live viewers that lost their right, whichever process made it.
 */
export class AccessRemovalService {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
  ) {}

  /** Refuses every login of the user and ends its tokens and live sessions; false when already disabled. */
  async disableUser(login: string): Promise<boolean> {
    const user = await this.user(login);
    return this.store.transaction(async (tx) => {
      const at = this.clock();
      if (!(await tx.users.setDisabled(user.id, true, at))) return false;
      const tokens = await tx.users.revokeTokens(user.id, at);
      await this.event(tx, 'User disabled', `Disabled ${user.login}; ended ${tokens} login token(s)`);
      return true;
    });
  }

  /** Lets a disabled user log in again; false when the user was not disabled. */
  async enableUser(login: string): Promise<boolean> {
    const user = await this.user(login);
    return this.store.transaction(async (tx) => {
      if (!(await tx.users.setDisabled(user.id, false, this.clock()))) return false;
      await this.event(tx, 'User enabled', `Enabled ${user.login}`);
      return true;
    });
  }

  /**
   * Removes the user: no login, no keys, no grants; its sessions and events stay as history, and
   * its login stays taken so that history never names two people.
   */
  async removeUser(login: string): Promise<void> {
    const user = await this.user(login);
    await this.store.transaction(async (tx) => {
      const at = this.clock();
      const tokens = await tx.users.revokeTokens(user.id, at);
      if (!(await tx.users.remove(user.id, at))) throw conflict(`User ${user.login} was already removed`);
      await this.event(tx, 'User removed', `Removed ${user.login}; ended ${tokens} login token(s)`);
    });
  }

  /** Takes back one access grant; the user's live sessions on that account end. */
  async revokeAccess(login: string, targetName: string, account: string): Promise<void> {
    const user = await this.user(login);
    const { target, credentialId } = await this.credential(targetName, account);
    await this.store.transaction(async (tx) => {
      if (!(await tx.targets.revokeAccess(user.id, credentialId))) {
        throw notFound(`${user.login} has no access to ${account}@${target}`);
      }
      await this.event(tx, 'Access revoked', `Revoked the access of ${user.login} to ${account}@${target}`);
    });
  }

  /** Deletes a stored credential and every grant on it; live sessions using it end. */
  async removeCredential(targetName: string, account: string): Promise<void> {
    const { target, credentialId } = await this.credential(targetName, account);
    await this.store.transaction(async (tx) => {
      await tx.targets.removeCredential(credentialId);
      await this.event(
        tx,
        'Access revoked',
        `Removed the credential ${account}@${target} and its access grants`,
      );
    });
  }

  /** Deletes a target with its credentials, grants and command rules; live sessions on it end. */
  async removeTarget(name: string): Promise<void> {
    const target = await this.store.targets.findTarget(name);
    if (target === null) throw notFound(`Unknown target ${name}`);
    await this.store.transaction(async (tx) => {
      const rules = (await tx.commandRules.list()).filter((r) => r.targetId === target.id);
      await tx.targets.removeTarget(target.id);
      await this.event(
        tx,
        'Access revoked',
        `Removed the target ${target.name}, its credentials and access grants`,
      );
      for (const rule of rules)
        await this.event(
          tx,
          'Command rule removed',
          `Removed the command rule ${describeRule(rule)} with its target`,
        );
    });
  }

  /** Deletes the user's SSH keys with this fingerprint or comment; their fingerprints. */
  async removeUserKey(login: string, fingerprintOrComment: string): Promise<string[]> {
    const user = await this.user(login);
    return this.store.transaction(async (tx) => {
      const removed = await tx.userKeys.remove(user.id, fingerprintOrComment);
      if (removed.length === 0) throw notFound(`${user.login} has no SSH key ${fingerprintOrComment}`);
      const fingerprints = removed.map((k) => k.fingerprint);
      await this.event(
        tx,
        'Access revoked',
        `Removed the SSH key(s) ${fingerprints.join(', ')} of ${user.login}`,
      );
      return fingerprints;
    });
  }

  /** A user that was not removed (active or disabled). */
  private async user(login: string): Promise<UserRecord> {
    const user = await this.store.users.findAnyByLogin(login);
    if (user === null) throw notFound(`Unknown user ${login}`);
    if (user.status === 'removed') throw conflict(`User ${user.login} was removed`);
    return user;
  }

  private async credential(
    targetName: string,
    account: string,
  ): Promise<{ target: string; credentialId: number }> {
    const target = await this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    const credential = await this.store.targets.findCredential(target.id, account);
    if (credential === null) throw notFound(`No credential for account ${account} on target ${target.name}`);
    return { target: target.name, credentialId: credential.id };
  }

  /** Done with the CLI on the gateway's machine: no actor login, no origin address. */
  private event(repos: Pick<AsyncRepositories, 'events'>, type: EventType, note: string): Promise<void> {
    return logAdministration(repos, this.clock, type, note);
  }
}
