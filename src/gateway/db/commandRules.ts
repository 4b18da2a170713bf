import type { CommandRule, Criticality, RuleAction } from '../../shared/rules';
import type { Db } from './database';

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

interface RuleRow {
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

const toRule = (r: RuleRow): CommandRuleRecord => ({
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
    const row = this.db
      .prepare(
        `SELECT r.*, t.name AS target FROM command_rules r LEFT JOIN targets t ON t.id = r.target_id
         WHERE r.name = ?`,
      )
      .get(name) as RuleRow | undefined;
    return row === undefined ? null : toRule(row);
  }

  /** Every rule, in the order they were added. */
  list(): CommandRuleRecord[] {
    const rows = this.db
      .prepare(
        `SELECT r.*, t.name AS target FROM command_rules r LEFT JOIN targets t ON t.id = r.target_id
         ORDER BY r.id`,
      )
      .all() as RuleRow[];
    return rows.map(toRule);
  }

  addRisky(command: NewRiskyCommand): void {
    this.db
      .prepare(
        `INSERT INTO session_risky_commands
           (session_id, at, offset_ms, minute, rule, score, criticality, action, command)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        command.sessionId,
        command.at,
        command.offsetMs,
        Math.floor(command.offsetMs / 60_000),
        command.rule,
        command.score,
        command.criticality,
        command.action,
        command.command,
      );
  }

  /** A session's matched commands, in the order they were typed. */
  risky(sessionId: number): RiskyCommandRecord[] {
    const rows = this.db
      .prepare(
        `SELECT session_id, at, offset_ms, minute, rule, score, criticality, action, command
         FROM session_risky_commands WHERE session_id = ? ORDER BY id`,
      )
      .all(sessionId) as {
      session_id: number;
      at: number;
      offset_ms: number;
      minute: number;
      rule: string;
      score: number;
      criticality: Criticality;
      action: RuleAction;
      command: string;
    }[];
    return rows.map((r) => ({
      sessionId: r.session_id,
      at: r.at,
      offsetMs: r.offset_ms,
      minute: r.minute,
      rule: r.rule,
      score: r.score,
      criticality: r.criticality,
      action: r.action,
      command: r.command,
    }));
  }
}
