import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { writeFileAtomic } from '../library/files';

const SETTINGS_FILE = 'export-settings.json';
const SettingsSchema = Type.Object({ ffmpegPath: Type.Union([Type.String(), Type.Null()]) });

/**
 * The user's own ffmpeg path, kept in a small JSON file of the app's data folder. A missing or
 * unreadable file means "no setting": the other places are still looked at.
 */
export class FfmpegSetting {
  private readonly file: string;

  constructor(userDataDir: string) {
    this.file = join(userDataDir, SETTINGS_FILE);
  }

  async get(): Promise<string | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      return Value.Check(SettingsSchema, parsed) ? parsed.ffmpegPath : null;
    } catch {
      return null;
    }
  }

  async set(path: string | null): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ ffmpegPath: path }, null, 2)}\n`);
  }
}
