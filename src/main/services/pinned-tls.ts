import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { CertificateChangedError, CertificateNotTrustedError, NetworkError, describe } from './errors';
import type { EventSink } from './events';

/** The certificate fingerprint a profile trusts; null until the user trusted one. */
export interface CertificatePin {
  current(): string | null;
}

export interface PinnedEndpoint {
  profileId: string;
  /** Canonical base URL, https://host[:port]. */
  url: URL;
  pin: CertificatePin;
  events: EventSink;
  /** Idle time after which the connection is given up (until the caller changes it). */
  timeoutMs: number;
}

/**
 * The one place where the app decides whether it trusts a gateway: opens a TLS connection and
 * checks the peer certificate against the pinned fingerprint after the handshake and before the
 * caller can write a single byte (and so a token or ticket). Gateways use self-signed
 * certificates, so the pin (not the CA chain) is the trust anchor; a changed certificate raises
 * the alarm and is never accepted here. HTTPS calls and WebSockets both connect through it.
 */
export function connectPinned(endpoint: PinnedEndpoint): Promise<TLSSocket> {
  const host = endpoint.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(endpoint.url.port || 443);
  const where = endpoint.url.origin;
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    socket.setTimeout(endpoint.timeoutMs, () =>
      socket.destroy(new NetworkError(`The gateway at ${where} did not answer in time`)),
    );
    socket.once('error', (error) => reject(asNetworkError(error, where)));
    socket.once('secureConnect', () => {
      const actual = socket.getPeerCertificate().fingerprint256?.toUpperCase();
      if (!actual) {
        socket.destroy();
        reject(new NetworkError(`The gateway at ${where} presented no certificate`));
        return;
      }
      const expected = endpoint.pin.current()?.toUpperCase() ?? null;
      if (expected === null) {
        // Never trusted silently: the user compares the fingerprint and trusts it first.
        socket.destroy();
        reject(new CertificateNotTrustedError(actual));
        return;
      }
      if (expected !== actual) {
        socket.destroy();
        endpoint.events('cert:alarm', { profileId: endpoint.profileId, expected, actual });
        reject(new CertificateChangedError(expected, actual));
        return;
      }
      resolve(socket);
    });
  });
}

/** Errors of a gateway connection as the renderer is shown them. */
export function asNetworkError(error: unknown, where: string): Error {
  if (
    error instanceof CertificateChangedError ||
    error instanceof CertificateNotTrustedError ||
    error instanceof NetworkError
  )
    return error;
  return new NetworkError(`Cannot reach the gateway at ${where}: ${describe(error)}`);
}
