import type { LoginResponse } from '../shared/api';
import type { RdpTargetChoice } from '../shared/rdpWire';

/**
 * The gateway's HTTPS API as the operator's page uses it: same origin, the login's token kept in
 * memory only (a reload asks for the password again).
 */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(`/api/v1${path}`, { ...init, headers });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new GatewayError(error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText);
  }
  return body as T;
}

export const login = (username: string, password: string) =>
  call<LoginResponse>('/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) });

export const rdpTargets = (token: string) => call<RdpTargetChoice[]>('/rdp/targets', { token });

export const rdpTicket = (token: string) =>
  call<{ ticket: string; expiresAt: string }>('/rdp/ticket', { method: 'POST', token, body: '{}' });

export const logout = (token: string) =>
  call<null>('/auth/logout', { method: 'POST', token, body: '{}' }).catch(() => null);
