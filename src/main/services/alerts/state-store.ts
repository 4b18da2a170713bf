import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import {
  AlertPreferencesSchema,
  DEFAULT_ALERT_PREFERENCES,
  type AlertEntry,
  type AlertPreferences,
} from '../../../shared/alertCentre';
import { AlertSchema } from '../../../shared/alerts';

/** Alerts kept per profile: the newest ones, read or not, so the centre survives a restart. */
export const KEPT_ALERTS = 500;

const ProfileAlertsSchema = Type.Object({
  /** The last alert id received: the next connection asks for what came after it. */
  cursor: Type.Union([Type.Integer(), Type.Null()]),
  preferences: AlertPreferencesSchema,
  entries: Type.Array(Type.Object({ alert: AlertSchema, read: Type.Boolean() })),
});
export type ProfileAlerts = Static<typeof ProfileAlertsSchema>;

const FileSchema = Type.Object({
  version: Type.Literal(1),
  profiles: Type.Record(Type.String(), ProfileAlertsSchema),
});

const fresh = (): ProfileAlerts => ({
  cursor: null,
  preferences: structuredClone(DEFAULT_ALERT_PREFERENCES),
  entries: [],
});

/** Changes within this long go to disk in one write. */
const SAVE_AFTER_MS = 50;

/**
 * The alert settings of every gateway profile (cursor, preferences, the centre's alerts), as one JSON
 * file in the app's data folder next to profiles.json. Unlike the profiles it holds nothing that
 * cannot be rebuilt, so an unreadable file starts over instead of stopping the app. Changes are saved
 * shortly after, off the event loop: an alert reaches the screen without waiting for the disk, and a
 * burst of alerts is one write. At worst a crash forgets the last moment's alerts, and the gateway
 * replays them (the cursor went back with them).
 */
export class AlertStateStore {
  private readonly file: string;
  private data: Static<typeof FileSchema> | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private saving: Promise<void> = Promise.resolve();
  /** Counts changes; a background write older than a synchronous one must not replace it. */
  private changes = 0;
  private writtenSync = 0;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'alerts.json');
  }

  get(profileId: string): ProfileAlerts {
    return structuredClone(this.load().profiles[profileId] ?? fresh());
  }

  update(profileId: string, change: (state: ProfileAlerts) => void): ProfileAlerts {
    const data = this.load();
    const state = structuredClone(data.profiles[profileId] ?? fresh());
    change(state);
    if (state.entries.length > KEPT_ALERTS) state.entries.splice(0, state.entries.length - KEPT_ALERTS);
    data.profiles[profileId] = state;
    this.changes += 1;
    this.scheduleSave();
    return structuredClone(state);
  }

  setPreferences(profileId: string, preferences: AlertPreferences): ProfileAlerts {
    return this.update(profileId, (state) => (state.preferences = structuredClone(preferences)));
  }

  forget(profileId: string): void {
    const data = this.load();
    if (!(profileId in data.profiles)) return;
    delete data.profiles[profileId];
    this.changes += 1;
    this.scheduleSave();
    this.flush();
  }

  /** Writes pending changes now (the app is quitting, the login changes). */
  flush(): void {
    if (this.saveTimer === null) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.writtenSync = this.changes;
    this.writeNow(this.load());
  }

  /** Resolves once the changes made so far are on disk. */
  async settled(): Promise<void> {
    while (this.saveTimer !== null) await new Promise((resolve) => setTimeout(resolve, SAVE_AFTER_MS));
    await this.saving;
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      const text = JSON.stringify(this.load());
      const changes = this.changes;
      this.saving = this.saving
        .then(() => this.writeInBackground(text, changes))
        .catch((error: unknown) => {
          console.warn(`Cannot save the alert settings in ${this.file}: ${String(error)}`);
        });
    }, SAVE_AFTER_MS);
    this.saveTimer.unref?.();
  }

  private async writeInBackground(text: string, changes: number): Promise<void> {
    await this.ensureDir();
    const temporary = `${this.file}.${process.pid}.async.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (changes < this.writtenSync) await rm(temporary, { force: true });
    else await rename(temporary, this.file);
  }

  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Appends `entry` unless its alert is already kept (a replay overlapping what was seen). */
  static add(state: ProfileAlerts, entry: AlertEntry): boolean {
    if (state.entries.some((kept) => kept.alert.id === entry.alert.id)) return false;
    state.entries.push(entry);
    return true;
  }

  private load(): Static<typeof FileSchema> {
    if (this.data) return this.data;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      if (Value.Check(FileSchema, parsed)) return (this.data = parsed);
      console.warn(`The alert settings in ${this.file} have an unexpected layout; starting afresh`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        console.warn(`The alert settings in ${this.file} are unreadable; starting afresh`);
      }
    }
    return (this.data = { version: 1, profiles: {} });
  }

  /** Write to a temporary file, flush, then rename: a crash leaves either the old or the new file. */
  private writeNow(data: Static<typeof FileSchema>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(data));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    this.data = data;
  }
}
