import type { CommandRule, Criticality, RuleAction } from '../../shared/rules';
import type { Db } from './database';
import {
  RULE_SELECT,
  riskyCommandsSelect,
  riskyCommandToRecord,
  riskyCommandValues,
  ruleToRecord,
  type RiskyCommandRow,
  type RuleRow,
} from './rows/commandRules';

export interface CommandRuleRecord extends CommandRule {
  id: number;
  /** The target the rule is limited to, or null for every target. */
  targetId: number | null;
  createdAt: number;
}

export type NewCommandRule = Omit<CommandRuleRecord, 'id' | 'target'>;

export interface RiskyCommandRecord {
  sessionId: number;
  at: number;
  offsetMs: number;
  minute: number;
  rule: string;
  score: number;
  criticality: Criticality;
  action: RuleAction;
  command: string;
}

export type NewRiskyCommand = Omit<RiskyCommandRecord, 'minute'>;

/** Audited-command rules and the commands that matched them. */
export class CommandRulesRepository {
  constructor(private readonly db: Db) {}

  /** Returns false when a rule of that name exists (names are case-insensitive). */
  add(rule: NewCommandRule): boolean {
    const result = this.db
      .prepare(
        `INSERT INTO command_rules (name, pattern, score, criticality, action, target_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      )
      .run(rule.name, rule.pattern, rule.score, rule.criticality, rule.action, rule.targetId, rule.createdAt);
    return result.changes === 1;
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM command_rules WHERE name = ?').run(name).changes === 1;
  }

  get(name: string): CommandRuleRecord | null {
    const row = this.db.prepare(`${RULE_SELECT} WHERE r.name = ?`).get(name) as RuleRow | undefined;
    return row === undefined ? null : ruleToRecord(row);
  }

  /** Every rule, in the order they were added. */
  list(): CommandRuleRecord[] {
    const rows = this.db.prepare(`${RULE_SELECT} ORDER BY r.id`).all() as RuleRow[];
    return rows.map(ruleToRecord);
  }

  addRisky(command: NewRiskyCommand): void {
    this.db
      .prepare(
        `INSERT INTO session_risky_commands
           (session_id, at, offset_ms, minute, rule, score, criticality, action, command)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...riskyCommandValues(command));
  }

  /** A session's matched commands, in the order they were typed. */
  risky(sessionId: number): RiskyCommandRecord[] {
    const rows = this.db.prepare(riskyCommandsSelect('?')).all(sessionId) as RiskyCommandRow[];
    return rows.map(riskyCommandToRecord);
  }
}
