import { afterEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import AppHeader from '../../src/renderer/src/components/shell/AppHeader.vue';
import { useBlocksStore } from '../../src/renderer/src/stores/blocks';
import type { Me } from '../../src/shared/api';
import { maySeeBlockedUsers } from '../../src/shared/policy';
import { installFakeVigil } from './support/fakeVigil';
import { auditorMe, authState } from './support/fixtures';
import { mountLive } from './support/liveMount';
import { byTestId, settle } from './support/mount';

/** Holds the Livestream permission (e.g. granted to the role by an admin) but no audit role. */
const operatorWithLivestream: Me = {
  id: 5,
  login: 'otto',
  name: 'Otto Operator',
  roles: ['Operator'],
  permissions: ['PAM.SessionManagement.Livestream'],
};
const auditorWithoutLivestream: Me = { ...auditorMe, permissions: ['PAM.SessionManagement.Logs'] };

describe('who is offered the Blocked users report', () => {
  let wrapper: VueWrapper | null = null;

  afterEach(() => {
    wrapper?.unmount();
    wrapper = null;
    document.body.innerHTML = '';
  });

  async function mountHeader(user: Me) {
    installFakeVigil();
    const mounted = mountLive(AppHeader, {}, { state: { ...authState, user } });
    wrapper = mounted.wrapper;
    await settle();
    return { navBlocks: byTestId('nav-blocks'), canRelease: useBlocksStore(mounted.pinia).canRelease };
  }

  it.each([
    { who: 'an auditor holding Livestream', user: auditorMe },
    { who: 'an operator holding Livestream without an audit role', user: operatorWithLivestream },
    { who: 'an auditor without Livestream', user: auditorWithoutLivestream },
  ])('the header and the report follow the gateway policy for $who', async ({ user }) => {
    const { navBlocks, canRelease } = await mountHeader(user);

    const allowed = maySeeBlockedUsers(user);
    expect(navBlocks !== null).toBe(allowed);
    expect(canRelease).toBe(allowed);
  });

  it('the gateway policy keeps the report inside the audit area', () => {
    expect(maySeeBlockedUsers(auditorMe)).toBe(true);
    expect(maySeeBlockedUsers(operatorWithLivestream)).toBe(false);
    expect(maySeeBlockedUsers(auditorWithoutLivestream)).toBe(false);
  });
});
