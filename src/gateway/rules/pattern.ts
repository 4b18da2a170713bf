import { setFlagsFromString } from 'node:v8';

// A rule's pattern runs on every Enter of every live session it applies to. V8's linear-time engine
// (the `l` flag) makes its cost proportional to the command whatever the pattern, so no pattern
// (say `(a+)+$`) can stall the gateway by backtracking.
setFlagsFromString('--enable-experimental-regexp-engine');

export const MAX_PATTERN_LENGTH = 500;

export class PatternError extends Error {}

/**
 * Compiles a rule's pattern for the linear-time engine, or says in plain words why it cannot be a
 * rule: not a regular expression, or one that needs backtracking (backreferences, lookaround).
 */
export function compilePattern(pattern: string): RegExp {
  if (pattern.trim() === '') throw new PatternError('The pattern is empty');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`The pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  try {
    new RegExp(pattern);
  } catch (err) {
    const reason = (err as Error).message.replace(/^Invalid regular expression: /, '');
    throw new PatternError(`Not a valid regular expression: ${reason}`, { cause: err });
  }
  try {
    // eslint-disable-next-line no-invalid-regexp -- `l` exists once the engine flag above is set
    return new RegExp(pattern, 'l');
  } catch (err) {
    throw new PatternError(
      'The pattern needs backtracking, which rules do not allow (a pattern runs on every command): ' +
        'remove backreferences (\\1), lookahead (?=, ?!) and lookbehind (?<=, ?<!) that holds a group',
      { cause: err },
    );
  }
}
