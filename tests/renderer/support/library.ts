import type { RecordingManifest } from '../../../src/shared/api';
import type {
  LibraryImportInput,
  LibraryItem,
  LibraryItemDetails,
  VerificationStatus,
} from '../../../src/shared/ipc';
import { fail, ok } from '../../../src/shared/result';
import type { Handlers } from './fakeVigil';
import { makeLogsFixture, risky } from './sessionLogs';

/** A library as main keeps it: items by id, what each re-check finds, and the library folder. */
export interface LibraryFixture {
  items: LibraryItem[];
  /** What `library:verify` finds for an item now (its file may have been altered since). */
  onDisk: Map<string, VerificationStatus>;
  folder: string;
  imports: LibraryImportInput[];
}

const KEY = 'ab'.repeat(32);

export function libraryItem(
  n: number,
  overrides: Partial<LibraryItem> & { status?: VerificationStatus } = {},
): LibraryItem {
  const { status = 'verified', ...rest } = overrides;
  return {
    itemId: `s${n}-abcdef${n}`,
    sessionId: n,
    profileId: 'p1',
    gatewayUrl: 'https://gw.example.com:8443',
    operator: `operator${n}`,
    account: 'root',
    target: `host-${n}.internal`,
    protocol: 'ssh',
    startedAt: `2025-01-0${n}T08:00:00.000Z`,
    endedAt: `2025-01-0${n}T09:00:00.000Z`,
    durationMs: 3_600_000,
    size: 100 * 1024,
    sha256: `${n}`.repeat(64).slice(0, 64),
    addedAt: `2025-02-0${n}T08:00:00.000Z`,
    imported: false,
    hasSnapshot: true,
    verification: {
      status,
      reason: `reason of ${n}: ${status}`,
      checkedAt: '2025-02-01T08:00:00.000Z',
      keyId: KEY,
    },
    ...rest,
  };
}

export function manifestOf(item: LibraryItem): RecordingManifest {
  return {
    format: 'vigil-recording',
    version: 1,
    sessionId: item.sessionId,
    hash: `hash-${item.sessionId}`,
    operator: item.operator,
    account: item.account,
    target: item.target,
    protocol: item.protocol,
    startedAt: item.startedAt,
    endedAt: item.endedAt,
    durationMs: item.durationMs,
    size: item.size,
    sha256: item.sha256,
    gatewayKeyId: item.verification.keyId,
    signedAt: item.endedAt,
  };
}

export function makeLibraryFixture(items: LibraryItem[]): LibraryFixture {
  return { items, onDisk: new Map(), folder: '/home/ana/.config/Vigil/library', imports: [] };
}

export function libraryHandlers(fixture: LibraryFixture): Handlers {
  const find = (itemId: string) => fixture.items.find((i) => i.itemId === itemId);
  const missing = (itemId: string) => fail('LIBRARY_ITEM_NOT_FOUND', `No recording ${itemId} in the library`);
  return {
    'library:list': () => ok(fixture.items.map((i) => ({ ...i }))),
    'library:verify': (itemId) => {
      const item = find(itemId);
      if (!item) return missing(itemId);
      const status = fixture.onDisk.get(itemId) ?? item.verification.status;
      const checked = {
        ...item,
        verification: { ...item.verification, status, reason: `re-checked: ${status}` },
      };
      fixture.items = fixture.items.map((i) => (i.itemId === itemId ? checked : i));
      return ok(checked);
    },
    'library:delete': (itemId) => {
      if (!find(itemId)) return missing(itemId);
      fixture.items = fixture.items.filter((i) => i.itemId !== itemId);
      return ok(null);
    },
    'library:reveal': (itemId) =>
      find(itemId) ? ok({ path: `${fixture.folder}/${itemId}/recording.vrec` }) : missing(itemId),
    'library:details': (itemId) => {
      const item = find(itemId);
      if (!item) return missing(itemId);
      const logs = makeLogsFixture(item.sessionId, {
        commands: ['sudo -i', 'rm -rf /var/log/audit'],
        risky: [risky({ rule: 'wipe audit logs', score: 95, command: 'rm -rf /var/log/audit' })],
        events: [
          {
            at: '2025-01-01T08:30:00.000Z',
            type: 'Interactivity blocked',
            actor: { id: 2, login: 'ana', name: 'Ana Auditor' },
            originIp: '127.0.0.1',
            note: 'held the operator',
          },
        ],
      }).logs;
      const details: LibraryItemDetails = {
        item,
        manifest: manifestOf(item),
        snapshot: item.hasSnapshot
          ? { savedAt: item.addedAt, session: logs.session, events: logs.events, logs }
          : null,
      };
      return ok(details);
    },
    'library:import': (input) => {
      fixture.imports.push(input);
      const item = libraryItem(9, {
        itemId: 'i9-imported',
        imported: true,
        hasSnapshot: false,
        profileId: null,
        gatewayUrl: null,
        status: 'unknown-key',
      });
      fixture.items = [item, ...fixture.items];
      return ok(item);
    },
    'library:folder': () => ok({ folder: fixture.folder }),
    'library:setFolder': (folder) => {
      if (!folder.startsWith('/'))
        return fail('VALIDATION', `The library folder must be an absolute path, not ${folder}`);
      fixture.folder = folder;
      return ok({ folder });
    },
  };
}
