import { Type } from 'typebox';
import { ErrorBodySchema } from '../../shared/api';

/** Every route documents its errors with the one error shape. */
export const ERRORS = { '4xx': ErrorBodySchema } as const;

export const SessionIdParamsSchema = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

export const BEARER_AUTH = [{ bearer: [] as string[] }];
