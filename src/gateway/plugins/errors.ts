import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorBody } from '../../shared/api';
import { GatewayError, type ErrorStatus } from '../errors';

const CLIENT_STATUSES: readonly number[] = [400, 401, 403, 404, 409, 429];

const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}…` : text);

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

interface ValidationIssue {
  instancePath?: string;
  message?: string;
}

function validationMessage(error: FastifyError): string {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const where = error.validationContext ?? 'request';
  const first = issues[0];
  if (first === undefined) return clip(error.message);
  const path =
    first.instancePath === undefined || first.instancePath === ''
      ? ''
      : first.instancePath.replace(/^\//, '');
  return clip(
    `${where}${path === '' ? '' : `.${path.replaceAll('/', '.')}`} ${first.message ?? 'is invalid'}`,
  );
}

/**
 * Every failure leaves as `{error:{code,message}}` with 400/401/403/404/409/429: bad input never
 * becomes a 500. Only real faults of the gateway answer 500, logged with their stack.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    if (error instanceof GatewayError) {
      return reply.status(error.statusCode).send(errorBody(error.code, error.message));
    }
    if (error.validation !== undefined) {
      return reply.status(400).send(errorBody('VALIDATION', validationMessage(error)));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(400).send(errorBody('BODY_TOO_LARGE', 'The request body is too large'));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(400).send(errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const allowed = (CLIENT_STATUSES.includes(status) ? status : 400) as ErrorStatus;
      return reply.status(allowed).send(errorBody('BAD_REQUEST', clip(error.message)));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL', 'Internal error'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(errorBody('NOT_FOUND', clip(`No route ${request.method} ${request.url.split('?')[0] ?? ''}`)));
  });
}
