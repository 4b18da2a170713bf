import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  contentSecurityPolicy,
  metaContentSecurityPolicy,
  socketOrigin,
} from '../../src/main/csp';
import { lockNavigation } from '../../src/main/shell/navigation';
import { rendererSource, shellContentSecurityPolicy } from '../../src/main/shell/rendererSource';
import { isTrustedSender } from '../../src/main/shell/senderPolicy';
import { mainWindowOptions } from '../../src/main/shell/windowOptions';

const FILE = '/opt/Vigil/resources/app.asar/out/renderer/index.html';
const fileSource = { kind: 'file', path: FILE } as const;

/** The directives of a policy, by name. */
function directives(policy: string): Map<string, string> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

describe('desktop window options', () => {
  it('sandbox the renderer, isolate it from the preload and give it no Node', () => {
    const options = mainWindowOptions({ preload: '/app/preload/index.cjs', devTools: false });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload/index.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(options.show).toBe(false);
  });
});

describe('renderer source', () => {
  it('a packaged app shows its own file whatever ELECTRON_RENDERER_URL says', () => {
    expect(rendererSource({ isPackaged: true, devUrl: 'http://evil.example:5173', file: FILE })).toEqual(
      fileSource,
    );
  });

  it('an unpackaged app uses the development server when one is named', () => {
    expect(rendererSource({ isPackaged: false, devUrl: 'http://localhost:5173', file: FILE })).toEqual({
      kind: 'url',
      url: 'http://localhost:5173/',
    });
    expect(rendererSource({ isPackaged: false, devUrl: undefined, file: FILE })).toEqual(fileSource);
    expect(() => rendererSource({ isPackaged: false, devUrl: 'file:///tmp/x.html', file: FILE })).toThrow(
      /http\(s\)/,
    );
  });
});

describe('content security policy', () => {
  it('lets the packaged app connect nowhere but its own origin', () => {
    const policy = directives(shellContentSecurityPolicy(fileSource));
    expect(policy.get('connect-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/localhost|127\.0\.0\.1|ws:/);
  });

  it('adds only the development server socket when the page comes from it', () => {
    const policy = shellContentSecurityPolicy({ kind: 'url', url: 'http://localhost:5173/' });
    expect(directives(policy).get('connect-src')).toBe("'self' ws://localhost:5173");
  });

  it('accepts socket origins only', () => {
    expect(socketOrigin('http://127.0.0.1:8444/#bridge=x')).toBe('ws://127.0.0.1:8444');
    expect(socketOrigin('https://example.test')).toBe('wss://example.test');
    expect(() => contentSecurityPolicy({ connect: ["ws://x; script-src 'unsafe-inline'"] })).toThrow();
    expect(() => contentSecurityPolicy({ connect: ['https://example.test'] })).toThrow();
  });

  it('the meta form is the header form without what a meta tag cannot carry', () => {
    const header = directives(CONTENT_SECURITY_POLICY);
    const meta = directives(metaContentSecurityPolicy());
    header.delete('frame-ancestors');
    expect(meta).toEqual(header);
  });

  it('index.html carries no policy of its own (the build writes it from the one source)', () => {
    const html = readFileSync(join(process.cwd(), 'src/renderer/index.html'), 'utf8');
    expect(html).not.toMatch(/http-equiv/i);
  });
});

describe('IPC sender check', () => {
  const page = pathToFileURL(FILE).href;
  const top = (url: string) => ({ fromMainWindow: true, frame: { url, isTopFrame: true } });

  it('trusts the top frame of the main window showing the app page', () => {
    expect(isTrustedSender(top(page), fileSource)).toBe(true);
    expect(isTrustedSender(top(`${page}#/sessions`), fileSource)).toBe(true);
  });

  it('refuses other windows, sub-frames, vanished frames and other pages', () => {
    expect(isTrustedSender({ ...top(page), fromMainWindow: false }, fileSource)).toBe(false);
    expect(
      isTrustedSender({ fromMainWindow: true, frame: { url: page, isTopFrame: false } }, fileSource),
    ).toBe(false);
    expect(isTrustedSender({ fromMainWindow: true, frame: null }, fileSource)).toBe(false);
    expect(isTrustedSender(top('file:///tmp/index.html'), fileSource)).toBe(false);
    expect(isTrustedSender(top('https://evil.example/'), fileSource)).toBe(false);
    expect(isTrustedSender(top('not a url'), fileSource)).toBe(false);
  });

  it('trusts only the development server origin when the page comes from it', () => {
    const dev = { kind: 'url', url: 'http://localhost:5173/' } as const;
    expect(isTrustedSender(top('http://localhost:5173/index.html'), dev)).toBe(true);
    expect(isTrustedSender(top('http://localhost:5174/'), dev)).toBe(false);
    expect(isTrustedSender(top(page), dev)).toBe(false);
  });
});

describe('navigation lock', () => {
  /** Stands in for a webContents: the events Electron emits before leaving the page. */
  class Contents extends EventEmitter {
    openHandler: (() => { action: string }) | null = null;
    setWindowOpenHandler(handler: () => { action: 'deny' }) {
      this.openHandler = handler;
    }
    attempt(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview'): boolean {
      let prevented = false;
      this.emit(event, { preventDefault: () => (prevented = true) });
      return prevented;
    }
  }

  it('refuses navigation, redirects, webviews and new windows', () => {
    const contents = new Contents();
    lockNavigation(contents);
    expect(contents.attempt('will-navigate')).toBe(true);
    expect(contents.attempt('will-redirect')).toBe(true);
    expect(contents.attempt('will-attach-webview')).toBe(true);
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
  });
});
