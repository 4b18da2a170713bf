/** Audited-command rules: what an administrator keeps, and how matches are ranked. */

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** allow: runs and is logged; block: never runs; interrupt: never runs and the session is dropped. */
export const RULE_ACTIONS = ['allow', 'block', 'interrupt'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export interface CommandRule {
  name: string;
  /** A regular expression, matched anywhere in the command line as the terminal shows it. */
  pattern: string;
  score: number;
  criticality: Criticality;
  action: RuleAction;
  /** Only sessions to this target; null for every target. */
  target: string | null;
}

/** For sorting: a higher rank is more critical. */
export const criticalityRank = (c: Criticality): number => CRITICALITIES.indexOf(c);

/** The message the operator reads when a rule stops a command. */
export const commandBlockedMessage = (rule: string): string => `Command blocked by policy (${rule})`;
