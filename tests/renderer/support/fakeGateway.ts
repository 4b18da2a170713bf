import type { Session, SessionQuery } from '../../../src/shared/api';
import type { GatewayProfile } from '../../../src/shared/ipc';
import { fail, ok } from '../../../src/shared/result';
import { installFakeVigil, type FakeVigil } from './fakeVigil';
import { authState, makeSession, profile, users } from './fixtures';

/**
 * Just enough of main + gateway behind a fake window.vigil for screen-level tests: profiles,
 * login, and a session list that honours user/protocol filters and paging, newest first.
 */
export interface FakeGateway extends FakeVigil {
  sessions: Session[];
  profiles: GatewayProfile[];
  /** Makes the next sessions:list answer INVALID_TOKEN, as the gateway does after 8 h. */
  expireNextList(): void;
}

export function installFakeGateway(options: { sessions?: number; signedIn?: boolean } = {}): FakeGateway {
  const sessions = Array.from({ length: options.sessions ?? 75 }, (_, i) => makeSession(i + 1)).reverse();
  const profiles: GatewayProfile[] = [{ ...profile }];
  let signedIn = options.signedIn ?? false;
  let expireNext = false;

  const filter = (query: SessionQuery) =>
    sessions.filter(
      (s) =>
        (!query.user || s.user.login.startsWith(query.user)) &&
        (!query.protocol || s.protocol === query.protocol) &&
        (!query.status || s.status === query.status),
    );

  const fake = installFakeVigil({
    'profiles:list': () => ok(profiles.map((p) => ({ ...p }))),
    'profiles:save': (input) => {
      const saved: GatewayProfile = {
        id: input.id ?? `p${profiles.length + 1}`,
        name: input.name,
        url: input.url,
        fingerprint: null,
        lastLogin: null,
      };
      profiles.push(saved);
      return ok(saved);
    },
    'auth:state': () => ok(signedIn ? authState : null),
    'auth:resume': () => ok(null),
    'auth:login': (input) => {
      if (input.password !== 'secret') return fail('INVALID_CREDENTIALS', 'Invalid username or password');
      signedIn = true;
      return ok({ ...authState, profileId: input.profileId });
    },
    'auth:logout': () => {
      signedIn = false;
      return ok(null);
    },
    'sessions:list': (query) => {
      if (expireNext) {
        expireNext = false;
        signedIn = false;
        return fail('INVALID_TOKEN', 'The token is invalid, expired or revoked: log in again');
      }
      if (!signedIn) return fail('NOT_LOGGED_IN', 'Not logged in to a gateway');
      const page = query.page ?? 1;
      const pageSize = query.pageSize ?? 30;
      const matching = filter(query);
      return ok({
        items: matching.slice((page - 1) * pageSize, page * pageSize),
        total: matching.length,
        page,
        pageSize,
      });
    },
    'sessions:get': (id) => {
      const found = sessions.find((s) => s.id === id);
      return found ? ok(found) : fail('NOT_FOUND', 'No such session');
    },
    'sessions:exportCsv': () => ok({ path: '/home/ana/Downloads/sessions.csv', bytes: 2048 }),
    'users:list': () => ok(users),
  });

  return Object.assign(fake, {
    sessions,
    profiles,
    expireNextList: () => {
      expireNext = true;
    },
  });
}

/** The query of the last sessions:list call the renderer made. */
export const lastListQuery = (fake: FakeGateway) => fake.argsOf('sessions:list').at(-1)?.[0];
