import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { dataPaths, ensureDataDir } from '../../src/gateway/datadir';
import { openStore } from '../../src/gateway/db/store';
import { makeTempDir } from '../support/gateway';
import { TEST_ENGINE } from '../support/testDatabase';

/** The data folder holds the database and every key: only its owner may read it, on every start. */
const mode = (path: string) => statSync(path).mode & 0o777;
let parent: string;

afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')(
  'data folder modes (POSIX file modes; skipped on Windows)',
  () => {
    test('a new folder and its recordings folder are owner-only', () => {
      parent = makeTempDir('vigil-modes-');
      const root = join(parent, 'data');
      const previous = process.umask(0o022);
      try {
        const paths = ensureDataDir(root);
        expect(mode(root)).toBe(0o700);
        expect(mode(paths.recordings)).toBe(0o700);
      } finally {
        process.umask(previous);
      }
    });

    test.skipIf(TEST_ENGINE !== 'sqlite')(
      'the database file and its side files are owner-only (SQLite only: PostgreSQL keeps no files here)',
      () => {
        parent = makeTempDir('vigil-modes-');
        const root = join(parent, 'data');
        const previous = process.umask(0o022);
        try {
          const paths = ensureDataDir(root);
          const store = openStore(paths.database);
          store.meta.setOnce('written', 'yes');
          expect(mode(paths.database)).toBe(0o600);
          expect(mode(`${paths.database}-wal`)).toBe(0o600);
          expect(mode(`${paths.database}-shm`)).toBe(0o600);
          store.close();
        } finally {
          process.umask(previous);
        }
      },
    );

    test('an existing folder with looser modes is tightened on start', () => {
      parent = makeTempDir('vigil-modes-');
      const root = join(parent, 'data');
      const paths = dataPaths(root);
      mkdirSync(paths.recordings, { recursive: true });
      chmodSync(root, 0o755);
      chmodSync(paths.recordings, 0o777);
      const files = [
        paths.database,
        `${paths.database}-wal`,
        paths.tlsKey,
        paths.signingKey,
        paths.masterKey,
        join(root, 'ssh-host-ed25519-key'),
      ];
      for (const file of files) {
        writeFileSync(file, '');
        chmodSync(file, 0o644);
      }
      writeFileSync(paths.tlsCert, '');
      chmodSync(paths.tlsCert, 0o644);

      ensureDataDir(root);

      expect(mode(root)).toBe(0o700);
      expect(mode(paths.recordings)).toBe(0o700);
      for (const file of files) expect(mode(file), file).toBe(0o600);
      // The certificate is public: it keeps its mode.
      expect(mode(paths.tlsCert)).toBe(0o644);
    });
  },
);
