import type { CommandRule, RuleAction } from '../../shared/rules';
import { RULES_GENERATION_KEY } from '../db/migrations';
import type { Store } from '../db/store';
import { compilePattern } from './pattern';

export interface CompiledRule extends CommandRule {
  targetId: number | null;
  regex: RegExp;
}

const ACTION_WEIGHT: Record<RuleAction, number> = { allow: 0, block: 1, interrupt: 2 };

export interface RuleBookLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The audited-command rules in force. The CLI (another process) changes them in the database and
 * bumps a counter; every check reads that counter first (one indexed row), so a rule added while a
 * session runs applies to that session's very next command.
 */
export class RuleBook {
  #generation: string | null = null;
  #rules: CompiledRule[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: RuleBookLogger = { warn: () => undefined },
  ) {}

  /** The rules for a session on this target, current as of now. */
  forTarget(targetId: number): readonly CompiledRule[] {
    this.refresh();
    return this.#rules.filter((r) => r.targetId === null || r.targetId === targetId);
  }

  /**
   * The rule a command line falls under: the strictest action wins (interrupt, block, allow), then
   * the higher score, then the older rule. Null when none matches.
   */
  match(command: string, targetId: number): CompiledRule | null {
    // The whole line: the engine is linear, so a command padded past any cut cannot hide its tail.
    let best: CompiledRule | null = null;
    for (const rule of this.forTarget(targetId)) {
      if (!rule.regex.test(command)) continue;
      if (
        best === null ||
        ACTION_WEIGHT[rule.action] > ACTION_WEIGHT[best.action] ||
        (rule.action === best.action && rule.score > best.score)
      )
        best = rule;
    }
    return best;
  }

  private refresh(): void {
    const generation = this.store.meta.get(RULES_GENERATION_KEY);
    if (generation === this.#generation) return;
    const rules: CompiledRule[] = [];
    for (const rule of this.store.commandRules.list()) {
      try {
        rules.push({ ...rule, regex: compilePattern(rule.pattern) });
      } catch (err) {
        // The CLI refuses such patterns; one written some other way is skipped, not fatal.
        this.log.warn({ rule: rule.name, err: (err as Error).message }, 'command rule skipped');
      }
    }
    this.#rules = rules;
    this.#generation = generation;
  }
}
