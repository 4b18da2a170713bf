import type { CompiledRule } from './ruleBook';

export const LINE_TOO_LONG = 'line-too-long';

/**
 * What a command line too long for the gateway to read whole falls under while `block` or
 * `interrupt` rules apply: its unread tail could hold anything those rules stop. It has no
 * pattern; the proxy applies it, ranked as any rule.
 */
export const LINE_TOO_LONG_RULE: CompiledRule = {
  name: LINE_TOO_LONG,
  pattern: '',
  score: 100,
  criticality: 'high',
  action: 'block',
  target: null,
  targetId: null,
  regex: /(?!)/,
};

/** Names of rules the gateway itself applies: an administrator's rule cannot take them (names ignore case). */
export const isReservedRuleName = (name: string): boolean => name.toLowerCase() === LINE_TOO_LONG;
