import type { AsyncRepository } from '../asyncStore';
import type { MetaRepository } from '../meta';
import type { Executor } from './connection';

export class PgMetaRepository implements AsyncRepository<MetaRepository> {
  constructor(private readonly sql: Executor) {}

  async get(key: string): Promise<string | null> {
    const [row] = await this.sql.rows<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return row?.value ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    await this.sql.run(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  /** Sets the key only if absent; true when this call set it. */
  async setOnce(key: string, value: string): Promise<boolean> {
    return (
      (await this.sql.run('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        key,
        value,
      ])) === 1
    );
  }
}
