import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;

interface JsonSchemaLike {
  type?: unknown;
  properties?: Record<string, JsonSchemaLike>;
}

/**
 * Query strings and path params arrive as text. Only canonical integers become numbers: "1.5",
 * "1e3" or " 7" stay text and fail validation (TypeBox's own Convert would truncate 1.5 to 1).
 */
function coerce(schema: JsonSchemaLike, value: unknown): unknown {
  if (
    schema.type !== 'object' ||
    schema.properties === undefined ||
    typeof value !== 'object' ||
    value === null
  ) {
    return value;
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, property] of Object.entries(schema.properties)) {
    const v = out[key];
    if (property.type === 'integer' && typeof v === 'string' && INTEGER_TEXT.test(v)) out[key] = Number(v);
  }
  return out;
}

/** TypeBox validation for every route: bodies are checked as sent (no type coercion at all). */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  return (value: unknown) => {
    const candidate = httpPart === 'body' ? value : coerce(schema as JsonSchemaLike, value);
    if (validator.Check(candidate)) return { value: candidate };
    return { error: validator.Errors(candidate) as unknown as Error };
  };
};
