import type { Criticality, RuleAction } from '../../../shared/rules';
import type { CommandRuleRecord, NewRiskyCommand, RiskyCommandRecord } from '../commandRules';

/** A command rule joined with its target's name, on either engine. */
export interface RuleRow {
  id: number;
  name: string;
  pattern: string;
  score: number;
  criticality: Criticality;
  action: RuleAction;
  target_id: number | null;
  target: string | null;
  created_at: number;
}

export const RULE_SELECT = `SELECT r.id, r.name, r.pattern, r.score, r.criticality, r.action, r.target_id, r.created_at,
    t.name AS target
  FROM command_rules r LEFT JOIN targets t ON t.id = r.target_id`;

export const ruleToRecord = (r: RuleRow): CommandRuleRecord => ({
  id: r.id,
  name: r.name,
  pattern: r.pattern,
  score: r.score,
  criticality: r.criticality,
  action: r.action,
  targetId: r.target_id,
  target: r.target,
  createdAt: r.created_at,
});

export interface RiskyCommandRow {
  session_id: number;
  at: number;
  offset_ms: number;
  minute: number;
  rule: string;
  score: number;
  criticality: Criticality;
  action: RuleAction;
  command: string;
}

/** A session's matched commands, in the order they were typed; `session` is the engine's placeholder. */
export const riskyCommandsSelect = (session: string): string =>
  `SELECT session_id, at, offset_ms, minute, rule, score, criticality, action, command
   FROM session_risky_commands WHERE session_id = ${session} ORDER BY id`;

export const riskyCommandToRecord = (r: RiskyCommandRow): RiskyCommandRecord => ({
  sessionId: r.session_id,
  at: r.at,
  offsetMs: r.offset_ms,
  minute: r.minute,
  rule: r.rule,
  score: r.score,
  criticality: r.criticality,
  action: r.action,
  command: r.command,
});

/** The values of a matched command's INSERT, in the order of its column list on both engines. */
export const riskyCommandValues = (command: NewRiskyCommand) => [
  command.sessionId,
  command.at,
  command.offsetMs,
  Math.floor(command.offsetMs / 60_000),
  command.rule,
  command.score,
  command.criticality,
  command.action,
  command.command,
];
