import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../src/gateway/cli';
import { REPO_ROOT } from '../support/gateway';

/** The command words of each synopsis line of `vigil-gateway --help` ("user key add", "serve"…). */
function helpCommands(usage: string): string[] {
  return [...usage.matchAll(/^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)*)(?= |$)/gm)].map((m) => m[1]!);
}

describe('the administrator guide covers the command line', () => {
  const guide = readFileSync(join(REPO_ROOT, 'docs', 'administrator-guide.md'), 'utf8');

  it('documents every command that --help lists', () => {
    const commands = helpCommands(USAGE);
    expect(commands).toEqual(expect.arrayContaining(['serve', 'user add', 'target add', 'access grant']));
    expect(commands.filter((command) => !guide.includes(command))).toEqual([]);
  });

  it('documents every option that --help names', () => {
    const options = [...new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? [])];
    expect(options).toContain('--data');
    expect(options.filter((option) => !guide.includes(option))).toEqual([]);
  });
});
