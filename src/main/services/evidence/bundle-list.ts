import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { EVIDENCE_ERROR, type EvidenceBundle } from '../../../shared/evidenceIpc';
import { AppFailure } from '../errors';
import { writeFileAtomic } from '../library/files';

const LIST_FILE = 'evidence-bundles.json';

const ListSchema = Type.Object({
  version: Type.Literal(1),
  bundles: Type.Array(
    Type.Unsafe<EvidenceBundle>(Type.Object({ bundleId: Type.String(), path: Type.String() })),
  ),
});

export class BundleNotFoundError extends AppFailure {
  constructor(bundleId: string) {
    super(EVIDENCE_ERROR.bundleNotFound, `No evidence bundle ${bundleId} in the list`);
  }
}

/**
 * The library's Bundles list: where each exported or opened bundle is and how it last verified.
 * Only the list lives here; the bundles stay where the user saved them.
 */
export class BundleList {
  /** Writes one after another, so two changes never both start from the same old list. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  async list(): Promise<EvidenceBundle[]> {
    const bundles = await this.read();
    return bundles.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(bundleId: string): Promise<EvidenceBundle> {
    const bundle = (await this.read()).find((b) => b.bundleId === bundleId);
    if (bundle === undefined) throw new BundleNotFoundError(bundleId);
    return bundle;
  }

  /** The bundle at that path, when the list has it (opening it twice keeps one row). */
  async byPath(path: string): Promise<EvidenceBundle | null> {
    const wanted = resolve(path);
    return (await this.read()).find((b) => resolve(b.path) === wanted) ?? null;
  }

  static newId(): string {
    return `b${randomBytes(8).toString('hex')}`;
  }

  /** Adds the bundle, or replaces the one with its id. */
  put(bundle: EvidenceBundle): Promise<EvidenceBundle> {
    return this.change((bundles) => [...bundles.filter((b) => b.bundleId !== bundle.bundleId), bundle]).then(
      () => bundle,
    );
  }

  async remove(bundleId: string): Promise<void> {
    await this.get(bundleId);
    await this.change((bundles) => bundles.filter((b) => b.bundleId !== bundleId));
  }

  private change(edit: (bundles: EvidenceBundle[]) => EvidenceBundle[]): Promise<void> {
    const next = this.writing.then(async () => {
      const bundles = edit(await this.read());
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(
        join(this.dir, LIST_FILE),
        `${JSON.stringify({ version: 1, bundles }, null, 2)}\n`,
      );
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<EvidenceBundle[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, LIST_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
    // A list damaged on disk is started afresh rather than blocking the library screen.
    return Value.Check(ListSchema, data) ? data.bundles : [];
  }
}
