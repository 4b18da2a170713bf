import type { AuthContext, AuthenticationType, KeyboardAuthContext, PublicKeyAuthContext } from 'ssh2';
import type { AsyncStore } from '../db/asyncStore';
import { GatewayError } from '../errors';
import type { IdentityService } from '../services/identity';
import { verifySignature } from './keys';
import { parseSshUsername, type SshRoute } from './route';

const METHODS: AuthenticationType[] = ['publickey', 'password', 'keyboard-interactive'];

export interface Operator {
  id: number;
  login: string;
  route: SshRoute | null;
}

/**
 * Authenticates one SSH connection's operator: their Vigil password (password or keyboard-interactive,
 * counted by the same failed-login lock as the API) or a public key added with `user key add`.
 * Public keys a client merely offers are not failures: clients try every key they hold.
 */
export class OperatorAuth {
  #operator: Operator | null = null;
  #failures = 0;

  constructor(
    private readonly store: AsyncStore,
    private readonly identity: IdentityService,
    private readonly originIp: string,
    /** Password failures on one connection before it is closed. */
    private readonly maxFailures: number,
    /** Closes the connection. */
    private readonly onTooManyFailures: () => void,
  ) {}

  /** The authenticated operator (after the connection's 'ready'). */
  get operator(): Operator | null {
    return this.#operator;
  }

  handle(ctx: AuthContext): void {
    const { login, route } = parseSshUsername(ctx.username);
    switch (ctx.method) {
      case 'password':
        void this.#password(ctx.password, login, route).then((ok) => this.#decide(ctx, ok));
        return;
      case 'keyboard-interactive':
        this.#keyboard(ctx, login, route).catch(() => ctx.reject(METHODS));
        return;
      case 'publickey':
        this.#publicKey(ctx, login, route).catch(() => ctx.reject(METHODS));
        return;
      default:
        ctx.reject(METHODS);
    }
  }

  #decide(ctx: AuthContext, ok: boolean): void {
    if (ok) {
      ctx.accept();
      return;
    }
    ctx.reject(METHODS);
    if (++this.#failures >= this.maxFailures) this.onTooManyFailures();
  }

  /** true when accepted; a lock is reported through `onLocked` (keyboard-interactive can show it). */
  async #password(
    password: string,
    login: string,
    route: SshRoute | null,
    onLocked?: (message: string) => void,
  ): Promise<boolean> {
    try {
      const id = await this.identity.verifyLogin(login, password, this.originIp);
      return await this.#accepted(id, route);
    } catch (err) {
      // 401 (wrong password) and 429 (locked); anything else is refused the same way.
      if (err instanceof GatewayError && err.statusCode === 429) onLocked?.(err.message);
      return false;
    }
  }

  async #keyboard(ctx: KeyboardAuthContext, login: string, route: SshRoute | null): Promise<void> {
    const locked = await this.#lockMessage(login);
    if (locked !== null) return this.#tellAndRefuse(ctx, locked);
    ctx.prompt([{ prompt: 'Vigil password: ', echo: false }], '', '', (answers) => {
      let lockedMessage: string | null = null;
      void this.#password(answers[0] ?? '', login, route, (m) => (lockedMessage = m)).then((ok) => {
        if (ok || lockedMessage === null) this.#decide(ctx, ok);
        else this.#tellAndRefuse(ctx, lockedMessage);
      });
    });
  }

  /**
   * Shows why the login is refused (as the instructions of an empty prompt, which OpenSSH prints),
   * then refuses with no method left, so the client stops instead of asking again.
   */
  #tellAndRefuse(ctx: KeyboardAuthContext, message: string): void {
    ctx.prompt([], 'Vigil', message, () => {
      ctx.reject([]);
      this.onTooManyFailures();
    });
  }

  async #lockMessage(login: string): Promise<string | null> {
    try {
      await this.identity.assertNotLocked(login, this.originIp);
      return null;
    } catch (err) {
      return err instanceof GatewayError ? err.message : 'This login is locked';
    }
  }

  async #publicKey(ctx: PublicKeyAuthContext, login: string, route: SshRoute | null): Promise<void> {
    const user = await this.store.users.findByLogin(login);
    const key = user === null ? null : await this.store.userKeys.find(user.id, ctx.key.data);
    if (user === null || key === null) return ctx.reject(METHODS);
    if ((await this.#lockMessage(login)) !== null) return ctx.reject(METHODS);
    // Without a signature the client only asks whether this key would do.
    if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
    if (!verifySignature(key.publicKey, ctx.blob, ctx.signature, ctx.hashAlgo)) return ctx.reject(METHODS);
    if (!(await this.#accepted(user.id, route))) return ctx.reject(METHODS);
    ctx.accept();
  }

  async #accepted(userId: number, route: SshRoute | null): Promise<boolean> {
    const user = await this.store.users.findById(userId);
    if (user === null) return false;
    this.#operator = { id: user.id, login: user.login, route };
    return true;
  }
}
