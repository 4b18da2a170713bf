import { contentSecurityPolicy, socketOrigin } from '../csp';

/** Where the window's page comes from: the built file, or a development server. */
export type RendererSource = { kind: 'file'; path: string } | { kind: 'url'; url: string };

export interface RendererSourceInputs {
  isPackaged: boolean;
  /** ELECTRON_RENDERER_URL, set by `electron-vite dev` to its dev server. */
  devUrl: string | undefined;
  /** The built index.html next to the main bundle. */
  file: string;
}

/**
 * A packaged app always shows its own file: a page named by an environment variable would get the
 * whole IPC contract (and the logged-in auditor's rights) from whoever set it.
 */
export function rendererSource({ isPackaged, devUrl, file }: RendererSourceInputs): RendererSource {
  if (isPackaged || !devUrl) return { kind: 'file', path: file };
  const url = new URL(devUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`ELECTRON_RENDERER_URL must be an http(s) address, got "${devUrl}"`);
  }
  return { kind: 'url', url: url.href };
}

/** The built page needs no socket; a dev server's page keeps its hot-reload socket. */
export function shellContentSecurityPolicy(source: RendererSource): string {
  return source.kind === 'file'
    ? contentSecurityPolicy()
    : contentSecurityPolicy({ connect: [socketOrigin(source.url)] });
}
