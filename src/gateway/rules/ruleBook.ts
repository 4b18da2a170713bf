import type { CommandRule, RuleAction } from '../../shared/rules';
import { RULES_GENERATION_KEY } from '../db/migrations';
import type { AsyncStore } from '../db/asyncStore';
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
 * The audited-command rules in force. The CLI (another process, maybe on another node) changes them
 * in the database and bumps a counter; `refresh` reads that counter (one indexed row) and reloads
 * the rules when it moved. The SSH proxy refreshes at each Enter before it checks the line, so a
 * rule added while a session runs applies to that session's very next command; checks themselves
 * are synchronous, on the rules of the last refresh.
 */
export class RuleBook {
  #generation: string | null = null;
  #rules: CompiledRule[] = [];
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;

  constructor(
    private readonly store: AsyncStore,
    private readonly log: RuleBookLogger = { warn: () => undefined },
  ) {}

  /** The rules for a session on this target, as of the last refresh. */
  forTarget(targetId: number): readonly CompiledRule[] {
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

  /**
   * Brings the rules up to date with the database. Calls made while a read runs share the read
   * after it, so every caller sees the rules as of a read that started after its call.
   */
  refresh(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    if (this.#running === null) {
      this.#running = this.#read().finally(() => {
        this.#running = null;
      });
      return this.#running;
    }
    this.#queued = this.#running
      .catch(() => undefined)
      .then(() => {
        this.#queued = null;
        return this.refresh();
      });
    return this.#queued;
  }

  async #read(): Promise<void> {
    const generation = await this.store.meta.get(RULES_GENERATION_KEY);
    if (generation === this.#generation) return;
    const rules: CompiledRule[] = [];
    for (const rule of await this.store.commandRules.list()) {
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
