/**
 * The renderer's one Content-Security-Policy. The Electron shell and the browser bridge send it as
 * a header; the build writes the same directives into index.html as a meta tag (minus those a meta
 * tag cannot carry). naive-ui injects <style> elements, hence 'unsafe-inline' for styles only;
 * scripts come from the app's own files and nothing else.
 *
 * The packaged app needs no socket at all (it talks to main over IPC), so by default nothing but
 * 'self' may be connected to; the browser bridge and the development server each add their own
 * WebSocket origin.
 */
const BASE_DIRECTIVES: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['connect-src', "'self'"],
  ['img-src', "'self' data:"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

/** Browsers ignore these in a <meta> policy (and warn about them). */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

export interface CspOptions {
  /** Extra origins the page may open sockets to, e.g. `ws://127.0.0.1:8444`. */
  connect?: readonly string[];
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  return render(BASE_DIRECTIVES, options);
}

/** The policy as index.html carries it: the same directives, without the header-only ones. */
export function metaContentSecurityPolicy(options: CspOptions = {}): string {
  return render(
    BASE_DIRECTIVES.filter(([name]) => !HEADER_ONLY.has(name)),
    options,
  );
}

/** The packaged desktop app's policy. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** `ws://host:port` of an http(s) page origin, for the connect-src of a page served from it. */
export function socketOrigin(pageUrl: string): string {
  const url = new URL(pageUrl);
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}`;
}

function render(directives: readonly (readonly [string, string])[], options: CspOptions): string {
  const connect = options.connect ?? [];
  for (const origin of connect) {
    if (!/^wss?:\/\/[\w.-]+(:(\d+|\*))?$/.test(origin)) throw new Error(`Not a socket origin: "${origin}"`);
  }
  return directives
    .map(([name, value]) => (name === 'connect-src' ? [name, [value, ...connect].join(' ')] : [name, value]))
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}
