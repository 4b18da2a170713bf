import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { click, closeApp, freshAppStart, mountApp, signIn } from './support/app';
import type { FakeGateway } from './support/fakeGateway';
import { libraryHandlers, libraryItem, makeLibraryFixture } from './support/library';
import { byTestId, requireTestId, settle, waitFor } from './support/mount';
import { makePlayerFixture, playerHandlers } from './support/player';

describe('reaching the library', { timeout: 30_000 }, () => {
  let fake: FakeGateway;
  let wrapper: VueWrapper | null = null;

  beforeEach(() => {
    fake = freshAppStart();
    const player = playerHandlers(makePlayerFixture(1));
    Object.assign(
      fake.handlers,
      player,
      libraryHandlers(makeLibraryFixture([libraryItem(1), libraryItem(2)])),
    );
  });
  afterEach(() => {
    wrapper = closeApp(wrapper);
  });

  it('without signing in: from the login screen, playing a recording, and back to sign in', async () => {
    ({ wrapper } = await mountApp());
    expect(byTestId('login-screen')).not.toBeNull();
    await click('open-library');
    expect(byTestId('login-screen')).toBeNull();
    expect(byTestId('logout')).toBeNull();
    await waitFor(() => document.querySelectorAll('[data-testid="library-row"]').length === 2, 'the list');
    expect(fake.argsOf('auth:login')).toEqual([]);

    document.querySelector<HTMLElement>('[data-testid="library-row"] [data-testid="library-play"]')?.click();
    await waitFor(() => byTestId('video-screen') !== null, 'the video screen');
    await waitFor(() => byTestId('player') !== null, 'the player');
    expect(byTestId('login-screen')).toBeNull();
    await click('video-back');
    expect(byTestId('library-screen')).not.toBeNull();

    await click('library-back-to-login');
    expect(byTestId('login-screen')).not.toBeNull();
    expect(byTestId('library-screen')).toBeNull();
  });

  it('signed in: from the header, and it stays on the library after logging out', async () => {
    ({ wrapper } = await mountApp());
    await signIn();
    await click('nav-library');
    expect(byTestId('library-screen')).not.toBeNull();
    expect(requireTestId('nav-library').getAttribute('aria-current')).toBe('page');
    await click('logout');
    await settle(6);
    expect(byTestId('library-screen')).not.toBeNull();
    expect(byTestId('library-back-to-login')).not.toBeNull();
  });
});
