import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewCommandRule } from '../../src/gateway/db/commandRules';
import { openStore, type Store } from '../../src/gateway/db/store';
import { compilePattern, PatternError } from '../../src/gateway/rules/pattern';
import { RuleBook } from '../../src/gateway/rules/ruleBook';
import { CommandRulesAdminService } from '../../src/gateway/services/commandRulesAdmin';

const BACKTRACKING = 'The pattern needs backtracking, which rules do not allow';

let dir: string;
let store: Store;
let target: number;
let at: number;

const rule = (name: string, fields: Partial<NewCommandRule> = {}): NewCommandRule => ({
  name,
  pattern: 'rm',
  score: 50,
  criticality: 'high',
  action: 'block',
  targetId: null,
  createdAt: at++,
  ...fields,
});
const add = (s: Store, r: NewCommandRule) => expect(s.commandRules.add(r)).toBe(true);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-rulebook-'));
  store = openStore(join(dir, 'vigil.db'));
  at = Date.parse('2025-06-01T09:00:00Z');
  target = store.targets.addTarget({ name: 'web-01', protocol: 'ssh', host: '10.0.0.5', port: 22, at })!;
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RuleBook.match', () => {
  it('picks the strictest action whatever the scores: interrupt, then block, then allow', () => {
    add(store, rule('log-rm', { action: 'allow', score: 100 }));
    add(store, rule('block-rm', { action: 'block', score: 80 }));
    const book = new RuleBook(store);
    expect(book.match('rm -rf /', target)?.name).toBe('block-rm');
    add(store, rule('drop-rm', { action: 'interrupt', score: 1, pattern: 'rf' }));
    expect(book.match('rm -rf /', target)?.name).toBe('drop-rm');
    expect(book.match('rm notes.txt', target)?.name).toBe('block-rm');
    expect(book.match('ls -la', target)).toBeNull();
  });

  it('among the same action, the higher score wins, then the older rule', () => {
    add(store, rule('first', { score: 60 }));
    add(store, rule('second', { score: 60 }));
    const book = new RuleBook(store);
    expect(book.match('rm x', target)?.name).toBe('first');
    add(store, rule('third', { score: 61 }));
    expect(book.match('rm x', target)?.name).toBe('third');
  });

  it('matches anywhere in the line, case-sensitively, unless anchored', () => {
    add(store, rule('sudo', { pattern: '^sudo ' }));
    add(store, rule('shadow', { pattern: 'shadow' }));
    const book = new RuleBook(store);
    expect(book.match('sudo su -', target)?.name).toBe('sudo');
    expect(book.match('echo sudo su -', target)).toBeNull();
    expect(book.match('cat /etc/shadow | head', target)?.name).toBe('shadow');
    expect(book.match('cat /etc/SHADOW', target)).toBeNull();
  });

  it('applies a target-limited rule only to that target', () => {
    const other = store.targets.addTarget({
      name: 'db-01',
      protocol: 'ssh',
      host: '10.0.0.6',
      port: 22,
      at,
    })!;
    add(store, rule('db-only', { targetId: other }));
    const book = new RuleBook(store);
    expect(book.match('rm x', target)).toBeNull();
    expect(book.match('rm x', other)?.name).toBe('db-only');
    expect(book.forTarget(target)).toEqual([]);
  });

  it('skips a stored pattern it cannot compile, with a warning, and keeps the others', () => {
    add(store, rule('broken', { pattern: String.raw`(a)\1`, action: 'interrupt' }));
    add(store, rule('fine'));
    const warnings: unknown[] = [];
    const book = new RuleBook(store, { warn: (obj) => warnings.push(obj) });
    expect(book.match('rm (a)a', target)?.name).toBe('fine');
    expect(warnings).toEqual([{ rule: 'broken', err: expect.stringContaining(BACKTRACKING) as string }]);
  });
});

describe('RuleBook follows changes made by another process', () => {
  it('sees a rule another connection adds or removes at the next match', () => {
    const book = new RuleBook(store);
    expect(book.match('rm -rf /', target)).toBeNull();
    // The CLI is another process: a second connection on the same database file.
    const cliStore = openStore(store.path);
    try {
      const admin = new CommandRulesAdminService(cliStore, () => at);
      admin.add({ name: 'rm-rf', pattern: 'rm -rf', score: '90', criticality: 'critical', action: 'block' });
      expect(book.match('rm -rf /', target)?.name).toBe('rm-rf');
      admin.add({ name: 'rm-drop', pattern: 'rm', score: '10', criticality: 'low', action: 'interrupt' });
      expect(book.match('rm -rf /', target)?.name).toBe('rm-drop');
      admin.remove('rm-drop');
      expect(book.match('rm -rf /', target)?.name).toBe('rm-rf');
      admin.remove('RM-RF');
      expect(book.match('rm -rf /', target)).toBeNull();
    } finally {
      cliStore.close();
    }
  });
});

describe('patterns run in linear time', () => {
  it('matches a nested-quantifier pattern against a long hostile line without backtracking', () => {
    // A backtracking engine would take exponential time here and never finish the test.
    const hostile = `${'a'.repeat(50_000)}!`;
    expect(compilePattern('(a+)+$').test(hostile)).toBe(false);
    expect(compilePattern('(x+x+)+y').test('x'.repeat(50_000))).toBe(false);
    add(store, rule('nested', { pattern: '(a+)+$' }));
    const book = new RuleBook(store);
    expect(book.match(`${'a'.repeat(5_000)}!`, target)).toBeNull();
    expect(book.match('a'.repeat(50_000), target)?.name).toBe('nested');
  });

  it.each([String.raw`(a)\1`, String.raw`\k<n>(?<n>a)`, '(?=x)', '(?!x)rm', '(?<=(s)udo )rm'])(
    'refuses %s, which needs backtracking, saying what to remove',
    (pattern) => {
      expect(() => compilePattern(pattern)).toThrow(PatternError);
      expect(() => compilePattern(pattern)).toThrow(BACKTRACKING);
    },
  );

  it('refuses what is not a regular expression', () => {
    expect(() => compilePattern('rm (')).toThrow(
      'Not a valid regular expression: /rm (/: Unterminated group',
    );
    expect(() => compilePattern('[z-a]')).toThrow('Not a valid regular expression');
  });
});
