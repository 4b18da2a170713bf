/**
 * Content-Security-Policy of the renderer, sent as a header by the Electron shell and the browser
 * bridge (index.html carries the same policy as a meta tag). naive-ui injects <style> elements,
 * hence 'unsafe-inline' for styles only; scripts come from the app's own files and nothing else.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
