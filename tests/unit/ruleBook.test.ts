import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewCommandRule } from '../../src/gateway/db/commandRules';
import { openStore, type Store } from '../../src/gateway/db/store';
import { compilePattern, PatternError } from '../../src/gateway/rules/pattern';
import { RuleBook, type RuleBookLogger } from '../../src/gateway/rules/ruleBook';
import { sqliteAsyncStore } from '../../src/gateway/db/sqliteAsyncStore';
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

/** A rule book on the test's database, read once. */
async function openBook(log?: RuleBookLogger): Promise<RuleBook> {
  const book = new RuleBook(sqliteAsyncStore(store, false), log);
  await book.refresh();
  return book;
}

/** The book after reading the rules again, as the SSH proxy does at each Enter. */
async function fresh(book: RuleBook): Promise<RuleBook> {
  await book.refresh();
  return book;
}

describe('RuleBook.match', () => {
  it('picks the strictest action whatever the scores: interrupt, then block, then allow', async () => {
    add(store, rule('log-rm', { action: 'allow', score: 100 }));
    add(store, rule('block-rm', { action: 'block', score: 80 }));
    const book = await openBook();
    expect((await fresh(book)).match('rm -rf /', target)?.name).toBe('block-rm');
    add(store, rule('drop-rm', { action: 'interrupt', score: 1, pattern: 'rf' }));
    expect((await fresh(book)).match('rm -rf /', target)?.name).toBe('drop-rm');
    expect((await fresh(book)).match('rm notes.txt', target)?.name).toBe('block-rm');
    expect((await fresh(book)).match('ls -la', target)).toBeNull();
  });

  it('among the same action, the higher score wins, then the older rule', async () => {
    add(store, rule('first', { score: 60 }));
    add(store, rule('second', { score: 60 }));
    const book = await openBook();
    expect((await fresh(book)).match('rm x', target)?.name).toBe('first');
    add(store, rule('third', { score: 61 }));
    expect((await fresh(book)).match('rm x', target)?.name).toBe('third');
  });

  it('matches anywhere in the line, case-sensitively, unless anchored', async () => {
    add(store, rule('sudo', { pattern: '^sudo ' }));
    add(store, rule('shadow', { pattern: 'shadow' }));
    const book = await openBook();
    expect((await fresh(book)).match('sudo su -', target)?.name).toBe('sudo');
    expect((await fresh(book)).match('echo sudo su -', target)).toBeNull();
    expect((await fresh(book)).match('cat /etc/shadow | head', target)?.name).toBe('shadow');
    expect((await fresh(book)).match('cat /etc/SHADOW', target)).toBeNull();
  });

  it('applies a target-limited rule only to that target', async () => {
    const other = store.targets.addTarget({
      name: 'db-01',
      protocol: 'ssh',
      host: '10.0.0.6',
      port: 22,
      at,
    })!;
    add(store, rule('db-only', { targetId: other }));
    const book = await openBook();
    expect((await fresh(book)).match('rm x', target)).toBeNull();
    expect((await fresh(book)).match('rm x', other)?.name).toBe('db-only');
    expect((await fresh(book)).forTarget(target)).toEqual([]);
  });

  it('skips a stored pattern it cannot compile, with a warning, and keeps the others', async () => {
    add(store, rule('broken', { pattern: String.raw`(a)\1`, action: 'interrupt' }));
    add(store, rule('fine'));
    const warnings: unknown[] = [];
    const book = await openBook({ warn: (obj) => warnings.push(obj) });
    expect((await fresh(book)).match('rm (a)a', target)?.name).toBe('fine');
    expect(warnings).toEqual([{ rule: 'broken', err: expect.stringContaining(BACKTRACKING) as string }]);
  });
});

describe('RuleBook follows changes made by another process', () => {
  it('sees a rule another connection adds or removes at the next match', async () => {
    const book = await openBook();
    expect((await fresh(book)).match('rm -rf /', target)).toBeNull();
    // The CLI is another process: a second connection on the same database file.
    const cliStore = openStore(store.path);
    try {
      const admin = new CommandRulesAdminService(sqliteAsyncStore(cliStore, false), () => at);
      await admin.add({
        name: 'rm-rf',
        pattern: 'rm -rf',
        score: '90',
        criticality: 'critical',
        action: 'block',
      });
      expect((await fresh(book)).match('rm -rf /', target)?.name).toBe('rm-rf');
      await admin.add({
        name: 'rm-drop',
        pattern: 'rm',
        score: '10',
        criticality: 'low',
        action: 'interrupt',
      });
      expect((await fresh(book)).match('rm -rf /', target)?.name).toBe('rm-drop');
      await admin.remove('rm-drop');
      expect((await fresh(book)).match('rm -rf /', target)?.name).toBe('rm-rf');
      await admin.remove('RM-RF');
      expect((await fresh(book)).match('rm -rf /', target)).toBeNull();
    } finally {
      cliStore.close();
    }
  });
});

describe('patterns run in linear time', () => {
  it('matches a nested-quantifier pattern against a long hostile line without backtracking', async () => {
    // A backtracking engine would take exponential time here and never finish the test.
    const hostile = `${'a'.repeat(50_000)}!`;
    expect(compilePattern('(a+)+$').test(hostile)).toBe(false);
    expect(compilePattern('(x+x+)+y').test('x'.repeat(50_000))).toBe(false);
    add(store, rule('nested', { pattern: '(a+)+$' }));
    const book = await openBook();
    expect((await fresh(book)).match(`${'a'.repeat(5_000)}!`, target)).toBeNull();
    expect((await fresh(book)).match('a'.repeat(50_000), target)?.name).toBe('nested');
  });

  it.each([String.raw`(a)\1`, String.raw`\k<n>(?<n>a)`, '(?=x)', '(?!x)rm', '(?<=(s)udo )rm'])(
    'refuses %s, which needs backtracking, saying what to remove',
    (pattern) => {
      expect(() => compilePattern(pattern)).toThrow(PatternError);
      expect(() => compilePattern(pattern)).toThrow(BACKTRACKING);
    },
  );

  it('refuses what is not a regular expression', async () => {
    expect(() => compilePattern('rm (')).toThrow(
      'Not a valid regular expression: /rm (/: Unterminated group',
    );
    expect(() => compilePattern('[z-a]')).toThrow('Not a valid regular expression');
  });
});
