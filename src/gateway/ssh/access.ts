import { blockedOperatorMessage } from '../../shared/messages';
import { credentialContext } from '../services/admin';
import type { SecretBox } from '../crypto/secrets';
import type { AsyncStore } from '../db/asyncStore';
import type { TargetRecord } from '../db/targets';
import { PROXY_MESSAGES, TARGET_ERRORS } from './messages';
import type { SshRoute } from './route';
import { credentialKeyContext } from './keys';

export interface TargetCredential {
  id: number;
  account: string;
  password: string;
  privateKey: string | null;
}

export type AccessDecision =
  | { allowed: true; target: TargetRecord; credential: TargetCredential; fileTransfer: boolean }
  | { allowed: false; reason: 'usage' | 'blocked' | 'access' | 'credential'; message: string };

/**
 * Whether an authenticated operator may open ACCOUNT@TARGET (over SSH or RDP) now: not while one of their blocks is
 * active, and only with an access grant on that credential. Unknown targets,
 * accounts and missing grants get the same answer, so operators cannot probe what exists.
 */
export class AccessPolicy {
  constructor(
    private readonly store: AsyncStore,
    private readonly secrets: () => SecretBox,
  ) {}

  async decide(
    user: { id: number; login: string },
    route: SshRoute | null,
    gateway: { host: string; port: number },
    protocol: 'ssh' | 'rdp' = 'ssh',
  ): Promise<AccessDecision> {
    const block = await this.store.blocks.activeBlockForUser(user.id);
    if (block !== null) {
      return {
        allowed: false,
        reason: 'blocked',
        message: blockedOperatorMessage(block.author.login, new Date(block.blockedAt)),
      };
    }
    if (route === null)
      return { allowed: false, reason: 'usage', message: PROXY_MESSAGES.usage(user.login, gateway) };
    const refused = {
      allowed: false,
      reason: 'access',
      message: PROXY_MESSAGES.accessNotGranted(user.login, route.account, route.target),
    } as const;
    const target = await this.store.targets.findTarget(route.target);
    if (target === null || target.protocol !== protocol) return refused;
    const credential = await this.store.targets.findCredential(target.id, route.account);
    if (credential === null || !(await this.store.targets.hasAccess(user.id, credential.id))) return refused;
    const sealedKey = await this.store.targets.credentialKey(credential.id);
    const fileTransfer = await this.store.targets.mayTransferFiles(user.id, credential.id);
    try {
      const box = this.secrets();
      return {
        allowed: true,
        target,
        fileTransfer,
        credential: {
          id: credential.id,
          account: credential.account,
          password: box.open(credential.secret, credentialContext(target.id, credential.account)),
          privateKey:
            sealedKey === null
              ? null
              : box.open(sealedKey, credentialKeyContext(target.id, credential.account)),
        },
      };
    } catch {
      return {
        allowed: false,
        reason: 'credential',
        message: PROXY_MESSAGES.targetFailed(route.account, target.name, TARGET_ERRORS.credential),
      };
    }
  }
}
