import type { EventType } from '../../shared/events';
import type { Store } from '../db/store';
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
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Refuses every login of the user and ends its tokens and live sessions; false when already disabled. */
  disableUser(login: string): boolean {
    const user = this.user(login);
    return this.store.transaction(() => {
      const at = this.clock();
      if (!this.store.users.setDisabled(user.id, true, at)) return false;
      const tokens = this.store.users.revokeTokens(user.id, at);
      this.event('User disabled', `Disabled ${user.login}; ended ${tokens} login token(s)`);
      return true;
    });
  }

  /** Lets a disabled user log in again; false when the user was not disabled. */
  enableUser(login: string): boolean {
    const user = this.user(login);
    return this.store.transaction(() => {
      if (!this.store.users.setDisabled(user.id, false, this.clock())) return false;
      this.event('User enabled', `Enabled ${user.login}`);
      return true;
    });
  }

  /**
   * Removes the user: no login, no keys, no grants; its sessions and events stay as history, and
   * its login stays taken so that history never names two people.
   */
  removeUser(login: string): void {
    const user = this.user(login);
    this.store.transaction(() => {
      const at = this.clock();
      const tokens = this.store.users.revokeTokens(user.id, at);
      if (!this.store.users.remove(user.id, at)) throw conflict(`User ${user.login} was already removed`);
      this.event('User removed', `Removed ${user.login}; ended ${tokens} login token(s)`);
    });
  }

  /** Takes back one access grant; the user's live sessions on that account end. */
  revokeAccess(login: string, targetName: string, account: string): void {
    const user = this.user(login);
    const { target, credentialId } = this.credential(targetName, account);
    this.store.transaction(() => {
      if (!this.store.targets.revokeAccess(user.id, credentialId)) {
        throw notFound(`${user.login} has no access to ${account}@${target}`);
      }
      this.event('Access revoked', `Revoked the access of ${user.login} to ${account}@${target}`);
    });
  }

  /** Deletes a stored credential and every grant on it; live sessions using it end. */
  removeCredential(targetName: string, account: string): void {
    const { target, credentialId } = this.credential(targetName, account);
    this.store.transaction(() => {
      this.store.targets.removeCredential(credentialId);
      this.event('Access revoked', `Removed the credential ${account}@${target} and its access grants`);
    });
  }

  /** Deletes a target with its credentials, grants and command rules; live sessions on it end. */
  removeTarget(name: string): void {
    const target = this.store.targets.findTarget(name);
    if (target === null) throw notFound(`Unknown target ${name}`);
    this.store.transaction(() => {
      const rules = this.store.commandRules.list().filter((r) => r.targetId === target.id);
      this.store.targets.removeTarget(target.id);
      this.event('Access revoked', `Removed the target ${target.name}, its credentials and access grants`);
      for (const rule of rules)
        this.event('Command rule removed', `Removed the command rule ${describeRule(rule)} with its target`);
    });
  }

  /** Deletes the user's SSH keys with this fingerprint or comment; their fingerprints. */
  removeUserKey(login: string, fingerprintOrComment: string): string[] {
    const user = this.user(login);
    return this.store.transaction(() => {
      const removed = this.store.userKeys.remove(user.id, fingerprintOrComment);
      if (removed.length === 0) throw notFound(`${user.login} has no SSH key ${fingerprintOrComment}`);
      const fingerprints = removed.map((k) => k.fingerprint);
      this.event('Access revoked', `Removed the SSH key(s) ${fingerprints.join(', ')} of ${user.login}`);
      return fingerprints;
    });
  }

  /** A user that was not removed (active or disabled). */
  private user(login: string): UserRecord {
    const user = this.store.users.findAnyByLogin(login);
    if (user === null) throw notFound(`Unknown user ${login}`);
    if (user.status === 'removed') throw conflict(`User ${user.login} was removed`);
    return user;
  }

  private credential(targetName: string, account: string): { target: string; credentialId: number } {
    const target = this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    const credential = this.store.targets.findCredential(target.id, account);
    if (credential === null) throw notFound(`No credential for account ${account} on target ${target.name}`);
    return { target: target.name, credentialId: credential.id };
  }

  /** Done with the CLI on the gateway's machine: no actor login, no origin address. */
  private event(type: EventType, note: string): void {
    logAdministration(this.store, this.clock, type, note);
  }
}
