import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AsyncStore } from '../../src/gateway/db/asyncStore';
import { RuleBook } from '../../src/gateway/rules/ruleBook';
import { makeTempDir, runGatewayCli, withDataDir } from '../support/gateway';
import { createDatabaseFor } from '../support/testDatabase';

/** The audited-command rules CLI, run as the real binary against a data folder. */
let dataDir: string;
let database: Awaited<ReturnType<typeof createDatabaseFor>>;
const cli = (args: string[]) => runGatewayCli([...args, '--data', dataDir]);
const ruleAdd = (name: string, overrides: Record<string, string> = {}) => {
  const options = { pattern: 'x', score: '10', criticality: 'low', action: 'allow', ...overrides };
  // `--option=value`, so that values starting with a dash (a score of -1) reach the validation.
  return cli(['rule', 'add', name, ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)]);
};

/** What the CLI leaves in the database: rule names and how many rule events were written. */
const state = () =>
  withDataDir(dataDir, async (store) => ({
    rules: (await store.commandRules.list()).map((r) => r.name),
    events: (await ruleEvents(store)).length,
  }));
const ruleEvents = async (store: AsyncStore) => [
  ...(await store.events.list({ type: 'Command rule added' }, 0, 100)).items,
  ...(await store.events.list({ type: 'Command rule removed' }, 0, 100)).items,
];

beforeAll(async () => {
  dataDir = join(makeTempDir('vigil-rules-cli-'), 'data');
  database = await createDatabaseFor(dataDir);
  for (const [name, host] of [
    ['web-01', '10.0.0.5'],
    ['db-01', '10.0.0.6'],
  ] as const) {
    const res = await cli(['target', 'add', name, '--protocol', 'ssh', '--host', host, '--port', '22']);
    expect(res.code, res.stderr).toBe(0);
  }
});

afterAll(async () => {
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
  await database.drop();
});

describe('vigil-gateway rule', () => {
  test('--help lists the rule commands and their options', async () => {
    const res = await runGatewayCli(['--help']);
    for (const text of ['rule add', 'rule list', 'rule remove', '--pattern', '--score', '--criticality'])
      expect(res.stdout).toContain(text);
    expect(res.stdout).toContain('--action allow|block|interrupt');
    expect(res.stdout).toContain('[--target TARGET]');
  });

  test('rule list says so when there are no rules', async () => {
    expect(await cli(['rule', 'list'])).toEqual({
      code: 0,
      stdout: 'No audited-command rules.\n',
      stderr: '',
    });
  });

  test('rule add keeps each rule, writes its event, and rule list shows them as a table', async () => {
    const rmrf = await ruleAdd('rm-rf', {
      pattern: String.raw`rm\s+-(r|f|rf|fr)\b`,
      score: '90',
      criticality: 'critical',
      action: 'block',
    });
    expect(rmrf).toEqual({
      code: 0,
      stdout: 'Added the command rule rm-rf (block, on every target)\n',
      stderr: '',
    });
    const sudo = await ruleAdd('sudo-db', {
      pattern: '^sudo ',
      score: '40',
      criticality: 'medium',
      action: 'allow',
      target: 'db-01',
    });
    expect(sudo).toMatchObject({
      code: 0,
      stdout: 'Added the command rule sudo-db (allow, on target db-01)\n',
    });

    const list = await cli(['rule', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toEqual([
      'NAME     ACTION  SCORE  CRITICALITY  TARGET       PATTERN',
      String.raw`rm-rf    block   90     critical     all targets  /rm\s+-(r|f|rf|fr)\b/`,
      'sudo-db  allow   40     medium       db-01        /^sudo /',
      '',
    ]);

    await withDataDir(dataDir, async (store) => {
      const added = (await store.events.list({ type: 'Command rule added' }, 0, 100)).items;
      const notes = added.sort((a, b) => a.id - b.id).map((e) => e.note);
      expect(notes).toEqual([
        String.raw`Added the command rule rm-rf (action block, score 90, criticality critical, all targets, pattern rm\s+-(r|f|rf|fr)\b)`,
        'Added the command rule sudo-db (action allow, score 40, criticality medium, target db-01, pattern ^sudo )',
      ]);
      for (const event of await ruleEvents(store))
        expect(event).toMatchObject({ actorId: null, sessionId: null });
    });
  });

  test('refuses bad option values as usage errors, with the reason, and changes nothing', async () => {
    const before = await state();
    const cases: [string, Record<string, string>, string][] = [
      [
        'bad-regex',
        { pattern: 'rm (' },
        '--pattern: Not a valid regular expression: /rm (/: Unterminated group',
      ],
      [
        'backref',
        { pattern: String.raw`(a)\1` },
        '--pattern: The pattern needs backtracking, which rules do not allow',
      ],
      ['lookahead', { pattern: '(?=x)rm' }, 'remove backreferences (\\1), lookahead (?=, ?!) and lookbehind'],
      ['blank', { pattern: '  ' }, '--pattern: The pattern is empty'],
      ['long', { pattern: 'a'.repeat(501) }, '--pattern: The pattern is longer than 500 characters'],
      ['over', { score: '101' }, '--score must be a whole number from 0 to 100'],
      ['under', { score: '-1' }, '--score must be a whole number from 0 to 100'],
      ['fraction', { score: '5.5' }, '--score must be a whole number from 0 to 100'],
      ['word', { score: 'high' }, '--score must be a whole number from 0 to 100'],
      ['empty-score', { score: '' }, '--score must be a whole number from 0 to 100'],
      [
        'crit',
        { criticality: 'severe' },
        '--criticality must be one of low, medium, high, critical (got "severe")',
      ],
      ['act', { action: 'kill' }, '--action must be one of allow, block, interrupt (got "kill")'],
      ['', {}, 'The rule name is empty'],
      ['a'.repeat(65), {}, 'The rule name is longer than 64 characters'],
      ['two words', {}, 'The rule name must be letters, digits, dots, dashes or underscores'],
      ['\x1b[2Jclear', {}, 'The rule name must be letters, digits, dots, dashes or underscores'],
    ];
    for (const [name, overrides, message] of cases) {
      const res = await ruleAdd(name, overrides);
      expect(res.code, `${name}: ${res.stderr}`).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain(message);
    }
    expect(await state()).toEqual(before);
  });

  test('a 64-character name is accepted', async () => {
    const name = `n${'x'.repeat(63)}`;
    expect((await ruleAdd(name)).code).toBe(0);
    expect((await cli(['rule', 'remove', name])).code).toBe(0);
  });

  test('refuses a duplicate name in any case, and an unknown target, with no change', async () => {
    const before = await state();
    const dup = await ruleAdd('RM-RF', { pattern: 'other' });
    expect(dup).toMatchObject({ code: 1, stdout: '' });
    expect(dup.stderr).toContain('A rule named RM-RF already exists (names ignore case)');
    const target = await ruleAdd('on-nowhere', { target: 'web-99' });
    expect(target).toMatchObject({ code: 1, stdout: '' });
    expect(target.stderr).toContain('Unknown target web-99');
    const missing = await cli(['rule', 'add', 'half', '--pattern', 'x', '--score', '1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('rule add needs --criticality, --action');
    expect(await state()).toEqual(before);
    await withDataDir(dataDir, async (store) =>
      expect((await store.commandRules.get('rm-rf'))!.pattern).not.toBe('other'),
    );
  });

  test('--target limits a rule to sessions on that target', async () => {
    expect(
      (await ruleAdd('db-drop', { pattern: 'DROP TABLE', action: 'interrupt', target: 'db-01' })).code,
    ).toBe(0);
    await withDataDir(dataDir, async (store) => {
      const web = (await store.targets.findTarget('web-01'))!.id;
      const db = (await store.targets.findTarget('db-01'))!.id;
      const book = new RuleBook(store);
      await book.refresh();
      expect(book.forTarget(web).map((r) => r.name)).toEqual(['rm-rf']);
      expect(book.forTarget(db).map((r) => r.name)).toEqual(['rm-rf', 'sudo-db', 'db-drop']);
      expect(book.match('psql -c "DROP TABLE users"', web)).toBeNull();
      expect(book.match('psql -c "DROP TABLE users"', db)?.name).toBe('db-drop');
    });
  });

  test('rule remove takes a rule away (any case) with its event; an unknown name is refused', async () => {
    const removed = await cli(['rule', 'remove', 'DB-DROP']);
    expect(removed).toEqual({ code: 0, stdout: 'Removed the command rule db-drop\n', stderr: '' });
    const unknown = await cli(['rule', 'remove', 'db-drop']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toContain('No command rule named db-drop');
    await withDataDir(dataDir, async (store) => {
      expect((await store.commandRules.list()).map((r) => r.name)).toEqual(['rm-rf', 'sudo-db']);
      const notes = (await store.events.list({ type: 'Command rule removed' }, 0, 100)).items.map(
        (e) => e.note,
      );
      expect(notes).toContain(
        'Removed the command rule db-drop (action interrupt, score 10, criticality low, target db-01, pattern DROP TABLE)',
      );
    });
    expect((await cli(['rule', 'remove'])).code).toBe(2);
  });

  test('removing a target removes the rules limited to it, each with its event', async () => {
    expect((await cli(['target', 'remove', 'db-01'])).code).toBe(0);
    const list = await cli(['rule', 'list']);
    expect(list.stdout).toContain('rm-rf');
    expect(list.stdout).not.toContain('sudo-db');
    const removed = await withDataDir(dataDir, async (store) =>
      (await store.events.list({ type: 'Command rule removed' }, 0, 100)).items.map((e) => e.note),
    );
    expect(removed.filter((note) => note.includes('sudo-db'))).toEqual([
      expect.stringContaining('with its target'),
    ]);
  });
});
