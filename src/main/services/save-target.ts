import { existsSync, mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ExportDownload } from '../../shared/ipc';

/**
 * Asks where an exported file goes: a save dialog in Electron; in the browser bridge a private
 * staging file that the page then downloads.
 */
export interface SaveTarget {
  /** Resolves to an absolute path, or null when the user cancelled. */
  choose(suggestedName: string): Promise<string | null>;
  /** Once the file is complete: how the renderer hands it to the user, when it is not yet theirs. */
  deliver?(path: string, suggestedName: string): ExportDownload;
}

/** Saves into one folder without overwriting: `name.csv`, then `name-1.csv`, `name-2.csv`, … */
export class DirectorySaveTarget implements SaveTarget {
  constructor(private readonly dir: string) {}

  async choose(suggestedName: string): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    const extension = extname(suggestedName);
    const stem = suggestedName.slice(0, suggestedName.length - extension.length);
    for (let n = 0; ; n += 1) {
      const candidate = join(this.dir, n === 0 ? suggestedName : `${stem}-${n}${extension}`);
      if (!existsSync(candidate)) return candidate;
    }
  }
}
