/** Every error the API returns: `{error:{code,message}}` with one of these statuses. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 429;

export class GatewayError extends Error {
  constructor(
    readonly statusCode: ErrorStatus,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export const badRequest = (message: string, code = 'VALIDATION') => new GatewayError(400, code, message);
export const unauthorized = (message: string, code = 'UNAUTHORIZED') => new GatewayError(401, code, message);
export const forbidden = (message: string) => new GatewayError(403, 'FORBIDDEN', message);
export const notFound = (message: string) => new GatewayError(404, 'NOT_FOUND', message);
export const conflict = (message: string, code = 'CONFLICT') => new GatewayError(409, code, message);
export const tooManyRequests = (message: string, code = 'LOCKED') => new GatewayError(429, code, message);
