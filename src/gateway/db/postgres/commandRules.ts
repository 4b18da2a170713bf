import type { AsyncRepository } from '../asyncStore';
import type {
  CommandRuleRecord,
  CommandRulesRepository,
  NewCommandRule,
  NewRiskyCommand,
  RiskyCommandRecord,
} from '../commandRules';
import {
  RULE_SELECT,
  riskyCommandsSelect,
  riskyCommandToRecord,
  riskyCommandValues,
  ruleToRecord,
  type RiskyCommandRow,
  type RuleRow,
} from '../rows/commandRules';
import type { Executor } from './connection';

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
    const [row] = await this.sql.rows<RuleRow>(`${RULE_SELECT} WHERE r.name = $1`, [name]);
    return row === undefined ? null : ruleToRecord(row);
  }

  async list(): Promise<CommandRuleRecord[]> {
    return (await this.sql.rows<RuleRow>(`${RULE_SELECT} ORDER BY r.id`)).map(ruleToRecord);
  }

  async addRisky(command: NewRiskyCommand): Promise<void> {
    await this.sql.run(
      `INSERT INTO session_risky_commands
         (session_id, at, offset_ms, minute, rule, score, criticality, action, command)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      riskyCommandValues(command),
    );
  }

  async risky(sessionId: number): Promise<RiskyCommandRecord[]> {
    const rows = await this.sql.rows<RiskyCommandRow>(riskyCommandsSelect('$1'), [sessionId]);
    return rows.map(riskyCommandToRecord);
  }
}
