import type { Criticality, RuleAction } from '../../../shared/rules';
import type { AsyncRepository } from '../asyncStore';
import type {
  CommandRuleRecord,
  CommandRulesRepository,
  NewCommandRule,
  NewRiskyCommand,
  RiskyCommandRecord,
} from '../commandRules';
import type { Executor } from './connection';

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

const SELECT_RULE = `SELECT r.id, r.name, r.pattern, r.score, r.criticality, r.action, r.target_id, r.created_at,
    t.name AS target
  FROM command_rules r LEFT JOIN targets t ON t.id = r.target_id`;

/** Audited-command rules and the commands that matched them, on PostgreSQL. */
export class PgCommandRulesRepository implements AsyncRepository<CommandRulesRepository> {
  constructor(private readonly sql: Executor) {}

  async add(rule: NewCommandRule): Promise<boolean> {
    return (
      (await this.sql.run(
        `INSERT INTO command_rules (name, pattern, score, criticality, action, target_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`,
        [rule.name, rule.pattern, rule.score, rule.criticality, rule.action, rule.targetId, rule.createdAt],
      )) === 1
    );
  }

  async remove(name: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM command_rules WHERE name = $1', [name])) === 1;
  }

  async get(name: string): Promise<CommandRuleRecord | null> {
    const [row] = await this.sql.rows<RuleRow>(`${SELECT_RULE} WHERE r.name = $1`, [name]);
    return row === undefined ? null : toRule(row);
  }

  async list(): Promise<CommandRuleRecord[]> {
    return (await this.sql.rows<RuleRow>(`${SELECT_RULE} ORDER BY r.id`)).map(toRule);
  }

  async addRisky(command: NewRiskyCommand): Promise<void> {
    await this.sql.run(
      `INSERT INTO session_risky_commands
         (session_id, at, offset_ms, minute, rule, score, criticality, action, command)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        command.sessionId,
        command.at,
        command.offsetMs,
        Math.floor(command.offsetMs / 60_000),
        command.rule,
        command.score,
        command.criticality,
        command.action,
        command.command,
      ],
    );
  }

  async risky(sessionId: number): Promise<RiskyCommandRecord[]> {
    const rows = await this.sql.rows<{
      session_id: number;
      at: number;
      offset_ms: number;
      minute: number;
      rule: string;
      score: number;
      criticality: Criticality;
      action: RuleAction;
      command: string;
    }>(
      `SELECT session_id, at, offset_ms, minute, rule, score, criticality, action, command
       FROM session_risky_commands WHERE session_id = $1 ORDER BY id`,
      [sessionId],
    );
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
