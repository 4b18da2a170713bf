/** The events of a webContents that could take the renderer to another page. */
export interface NavigableContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: Blocker): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

type Blocker = (event: { preventDefault(): void }) => void;

const refuse: Blocker = (event) => event.preventDefault();

/**
 * The renderer is a single page: it never navigates, follows redirects, opens windows or embeds
 * other pages, so every attempt (a link, a script, a dropped file) is refused.
 */
export function lockNavigation(contents: NavigableContents): void {
  contents.on('will-navigate', refuse);
  contents.on('will-redirect', refuse);
  contents.on('will-attach-webview', refuse);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
