import type { EventType } from '../../shared/events';
import { CRITICALITIES, RULE_ACTIONS } from '../../shared/rules';
import type { CommandRuleRecord } from '../db/commandRules';
import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';
import { badRequest, conflict, notFound } from '../errors';
import { isReservedRuleName } from '../rules/builtIn';
import { compilePattern, PatternError } from '../rules/pattern';
import type { Clock } from '../time';
import { logAdministration } from './administrationEvent';

export const MAX_RULE_NAME_LENGTH = 64;

/**
 * A rule's name is printed on the operator's terminal ("Command blocked by policy (NAME)"), so it
 * is kept to characters that cannot carry terminal control sequences.
 */
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const WHOLE_NUMBER = /^\d+$/;

/** What an administrator types; every field still a string, as the command line gives it. */
export interface CommandRuleInput {
  name: string;
  pattern: string;
  score: string;
  criticality: string;
  action: string;
  target?: string;
}

/**
 * The administration of audited-command rules behind the CLI. Each change is committed with its
 * event; the running gateway picks it up at the next command typed in any session.
 */
export class CommandRulesAdminService {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
  ) {}

  async add(input: CommandRuleInput): Promise<CommandRuleRecord> {
    checkName(input.name);
    try {
      compilePattern(input.pattern);
    } catch (err) {
      if (err instanceof PatternError) throw badRequest(`--pattern: ${err.message}`);
      throw err;
    }
    const score = parseScore(input.score);
    const criticality = oneOf(CRITICALITIES, input.criticality, '--criticality');
    const action = oneOf(RULE_ACTIONS, input.action, '--action');
    const targetId = input.target === undefined ? null : await this.targetId(input.target);
    return this.store.transaction(async (tx) => {
      const added = await tx.commandRules.add({
        name: input.name,
        pattern: input.pattern,
        score,
        criticality,
        action,
        targetId,
        createdAt: this.clock(),
      });
      if (!added) throw conflict(`A rule named ${input.name} already exists (names ignore case)`);
      const rule = (await tx.commandRules.get(input.name))!;
      await this.event(tx, 'Command rule added', `Added the command rule ${describeRule(rule)}`);
      return rule;
    });
  }

  /** Every rule, oldest first. */
  async list(): Promise<CommandRuleRecord[]> {
    return this.store.commandRules.list();
  }

  /** Removes the rule of that name (any case); returns it as it was. */
  remove(name: string): Promise<CommandRuleRecord> {
    return this.store.transaction(async (tx) => {
      const rule = await tx.commandRules.get(name);
      if (rule === null || !(await tx.commandRules.remove(rule.name)))
        throw notFound(`No command rule named ${name}`);
      await this.event(tx, 'Command rule removed', `Removed the command rule ${describeRule(rule)}`);
      return rule;
    });
  }

  private async targetId(name: string): Promise<number> {
    const target = await this.store.targets.findTarget(name);
    if (target === null) throw notFound(`Unknown target ${name}`);
    return target.id;
  }

  /** Done with the CLI on the gateway's machine: no actor login, no origin address. */
  private event(repos: Pick<AsyncRepositories, 'events'>, type: EventType, note: string): Promise<void> {
    return logAdministration(repos, this.clock, type, note);
  }
}

/** The whole rule in one line, for the audit trail: what it was is kept even after it goes. */
export function describeRule(rule: CommandRuleRecord): string {
  return (
    `${rule.name} (action ${rule.action}, score ${rule.score}, criticality ${rule.criticality}, ` +
    `${rule.target === null ? 'all targets' : `target ${rule.target}`}, pattern ${rule.pattern})`
  );
}

function checkName(name: string): void {
  if (name.trim() === '') throw badRequest('The rule name is empty');
  if (name.length > MAX_RULE_NAME_LENGTH)
    throw badRequest(`The rule name is longer than ${MAX_RULE_NAME_LENGTH} characters`);
  if (!RULE_NAME.test(name)) {
    throw badRequest(
      'The rule name must be letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  // The operator reads the name of the rule that stopped a line: it must tell the gateway's own apart.
  if (isReservedRuleName(name))
    throw badRequest(`The rule name ${name} is reserved: the gateway applies a rule of that name itself`);
}

function parseScore(text: string): number {
  const score = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
  if (!(score >= 0 && score <= 100)) throw badRequest('--score must be a whole number from 0 to 100');
  return score;
}

function oneOf<T extends string>(allowed: readonly T[], value: string, option: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw badRequest(`${option} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}
