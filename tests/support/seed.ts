import type { Db } from '../../src/gateway/db/database';
import type { Protocol } from '../../src/gateway/db/sessionTypes';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so seeded data is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  /** Sessions start between `from` and `to` (ms); the newest ones are live. Default: the last 2 years. */
  from?: number;
  to?: number;
  /** Operators created (or reused) as the sessions' users. Default 40. */
  users?: number;
  /** Devices the sessions go to. Default 200. */
  devices?: number;
  /**
   * Drop the sessions indexes while inserting and rebuild them after: much faster for millions of
   * rows, but only for a database nobody queries meanwhile (the benchmark), never a running gateway.
   */
  rebuildIndexes?: boolean;
}

const FIRST_NAMES = [
  'alice',
  'bruno',
  'carla',
  'diego',
  'elena',
  'fabio',
  'gabi',
  'hugo',
  'iris',
  'joao',
  'kira',
  'lucas',
  'marta',
  'nuno',
  'olga',
  'pedro',
  'quinn',
  'rafa',
  'sofia',
  'tiago',
];
const SSH_DEVICES = ['web', 'db', 'app', 'cache', 'mail', 'k8s-node', 'bastion', 'ftp'];
const RDP_DEVICES = ['win-dc', 'win-fs', 'win-app'];
const SSH_ACCOUNTS = ['root', 'admin', 'deploy', 'postgres', 'ubuntu', 'ec2-user', 'oracle', 'ansible'];
const RDP_ACCOUNTS = ['Administrator', 'svc_backup', 'CORP\\operator', 'sqladmin'];
const REASONS = ['CHG-', 'INC-', 'Maintenance window ', 'Patch Tuesday ', 'Incident review '];
const ERRORS = ['Connection reset by peer', 'Authentication failed on target', 'Target unreachable'];
/** Marks seeded operators: their password hash matches no password, so they cannot log in. */
export const SEED_PASSWORD_HASH = 'seeded-operator-no-login';

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
function hex(rng: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += ((rng() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

interface Device {
  name: string;
  protocol: Protocol;
}

/**
 * Inserts `count` realistic sessions (varied users, devices, accounts, protocols, origin IPs,
 * reasons, errors and statuses over a time range) in time order, in large transactions. For
 * tests and the benchmark; production sessions come from the proxy through SessionsRepository.
 */
export function seedSessions(db: Db, count: number, rng: () => number, options: SeedOptions = {}): void {
  const to = options.to ?? Date.now();
  const from = options.from ?? to - 730 * 86_400_000;
  const users = seedOperators(db, options.users ?? 40, rng);
  const devices: Device[] = Array.from({ length: options.devices ?? 200 }, (_, i) => {
    const rdp = rng() < 0.4;
    return {
      name: `${pick(rng, rdp ? RDP_DEVICES : SSH_DEVICES)}-${String(i + 1).padStart(3, '0')}`,
      protocol: rdp ? 'rdp' : 'ssh',
    };
  });
  const ips = Array.from({ length: 300 }, () =>
    pick(rng, [
      () => `10.${Math.floor(rng() * 8)}.${Math.floor(rng() * 256)}.${1 + Math.floor(rng() * 254)}`,
      () => `192.168.${Math.floor(rng() * 16)}.${1 + Math.floor(rng() * 254)}`,
      () => `172.16.${Math.floor(rng() * 32)}.${1 + Math.floor(rng() * 254)}`,
    ])(),
  );
  const insert = db.prepare(`
    INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy, status,
      started_at, ended_at, duration_ms, blocked, reason, error_message, recording_path, recording_size, recording_sha256)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const step = count <= 1 ? 0 : (to - from) / count;
  const insertBatch = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const user = pick(rng, users);
      const device = pick(rng, devices);
      const startedAt = Math.floor(from + i * step + rng() * step);
      const durationMs = Math.floor(60_000 + rng() ** 3 * 4 * 3_600_000);
      const live = startedAt + durationMs > to;
      const hash = hex(rng, 32);
      const failed = rng() < 0.01;
      const reason = rng() < 0.35 ? `${pick(rng, REASONS)}${10000 + Math.floor(rng() * 90000)}` : null;
      const size = Math.floor(durationMs / 40 + rng() * 100_000);
      insert.run(
        hash,
        user.id,
        user.login,
        pick(rng, ips),
        pick(rng, device.protocol === 'rdp' ? RDP_ACCOUNTS : SSH_ACCOUNTS),
        device.name,
        device.protocol,
        rng() < 0.02 ? 'Web Proxy' : device.protocol === 'rdp' ? 'RDP Proxy' : 'SSH Proxy',
        live ? 'live' : 'finished',
        startedAt,
        live ? null : startedAt + durationMs,
        live ? null : durationMs,
        rng() < 0.005 ? 1 : 0,
        reason,
        !live && failed ? pick(rng, ERRORS) : null,
        live ? null : `recordings/${hash}.rec`,
        live ? null : size,
        live ? null : hex(rng, 64),
      );
    }
  });
  const indexes =
    options.rebuildIndexes === true
      ? (db
          .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' AND sql IS NOT NULL",
          )
          .all() as { name: string; sql: string }[])
      : [];
  for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
  const batch = 50_000;
  for (let start = 0; start < count; start += batch) insertBatch(start, Math.min(count, start + batch));
  for (const index of indexes) db.exec(index.sql);
}

const SURNAMES = ['souza', 'silva', 'costa', 'lima', 'rocha', 'alves', 'gomes', 'ramos', 'pinto', 'moura'];

/** Creates the seeding operators once (role Operator) and returns them; existing logins are reused as they are. */
export function seedOperators(db: Db, count: number, _rng: () => number): { id: number; login: string }[] {
  const insertUser = db.prepare(
    `INSERT INTO users (login, name, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (login) DO NOTHING`,
  );
  const insertRole = db.prepare(`INSERT OR IGNORE INTO user_roles (user_id, role) VALUES (?, 'Operator')`);
  const find = db.prepare('SELECT id, login FROM users WHERE login = ?');
  const title = (word: string) => `${word[0]!.toUpperCase()}${word.slice(1)}`;
  return db.transaction(() =>
    Array.from({ length: count }, (_, i) => {
      const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
      const last = SURNAMES[Math.floor(i / FIRST_NAMES.length) % SURNAMES.length]!;
      const suffix = i >= FIRST_NAMES.length * SURNAMES.length ? String(i) : '';
      const login = `${first}.${last}${suffix}`;
      const created = insertUser.run(login, `${title(first)} ${title(last)}`, SEED_PASSWORD_HASH, Date.now());
      const user = find.get(login) as { id: number; login: string };
      if (created.changes === 1) insertRole.run(user.id);
      return user;
    }),
  )();
}
