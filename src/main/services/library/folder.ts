import { mkdirSync, readFileSync, accessSync, constants } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileSync, renameSync } from 'node:fs';
import { ValidationError, describe } from '../errors';
import { fileSystemFailure } from './files';

/**
 * Where the library lives: a folder the user may choose, by default `library` in the app's data
 * folder. The choice is kept in library.json next to profiles.json.
 */
export class LibraryFolder {
  private readonly settings: string;
  private folder: string;

  constructor(private readonly userDataDir: string) {
    this.settings = join(userDataDir, 'library.json');
    this.folder = this.load() ?? join(userDataDir, 'library');
  }

  get(): string {
    return this.folder;
  }

  /** Switches to `folder` once it exists (it is made) and can be written. */
  set(folder: string): string {
    if (!isAbsolute(folder))
      throw new ValidationError(`The library folder must be an absolute path, not ${folder}`);
    const chosen = resolve(folder);
    try {
      mkdirSync(chosen, { recursive: true, mode: 0o700 });
      accessSync(chosen, constants.W_OK);
    } catch (error) {
      throw fileSystemFailure(error, chosen);
    }
    mkdirSync(this.userDataDir, { recursive: true, mode: 0o700 });
    const temporary = `${this.settings}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, folder: chosen }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.settings);
    this.folder = chosen;
    return chosen;
  }

  private load(): string | null {
    let text: string;
    try {
      text = readFileSync(this.settings, 'utf8');
    } catch {
      return null;
    }
    try {
      const data = JSON.parse(text) as { folder?: unknown };
      return typeof data.folder === 'string' && isAbsolute(data.folder) ? data.folder : null;
    } catch (error) {
      console.warn(`Ignoring the unreadable library settings ${this.settings}: ${describe(error)}`);
      return null;
    }
  }
}
