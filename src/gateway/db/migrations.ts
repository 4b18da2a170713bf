import { DEFAULT_ROLE_PERMISSIONS, PERMISSIONS, ROLES } from '../../shared/permissions';
import type { Db } from './database';

/**
 * The one ordered list of schema migrations. Entry N brings the database to `PRAGMA user_version`
 * N+1; never edit an entry that shipped, append a new one instead.
 */
export type Migration = (db: Db) => void;

const sqlList = (values: readonly string[]) => values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');

/** Day buckets of `session_counts`: UTC days since the epoch, as `started_at / DAY_MS`. */
export const DAY_MS = 86_400_000;

const v1: Migration = (db) => {
  db.exec(`
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      login TEXT NOT NULL UNIQUE COLLATE NOCASE,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE user_roles (
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role TEXT NOT NULL CHECK (role IN (${sqlList(ROLES)})),
      PRIMARY KEY (user_id, role)
    ) WITHOUT ROWID;
    CREATE INDEX user_roles_role ON user_roles(role, user_id);
    CREATE TABLE role_permissions (
      role TEXT NOT NULL CHECK (role IN (${sqlList(ROLES)})),
      permission TEXT NOT NULL CHECK (permission IN (${sqlList(PERMISSIONS)})),
      PRIMARY KEY (role, permission)
    ) WITHOUT ROWID;

    CREATE TABLE tokens (
      token_hash TEXT PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER,
      origin_ip TEXT
    ) WITHOUT ROWID;
    CREATE INDEX tokens_user ON tokens(user_id);
    CREATE TABLE login_failures (
      id INTEGER PRIMARY KEY,
      login TEXT NOT NULL COLLATE NOCASE,
      at INTEGER NOT NULL,
      origin_ip TEXT
    );
    CREATE INDEX login_failures_login_at ON login_failures(login, at);
    CREATE TABLE login_locks (
      login TEXT PRIMARY KEY COLLATE NOCASE,
      locked_until INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE targets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      protocol TEXT NOT NULL CHECK (protocol IN ('ssh', 'rdp')),
      host TEXT NOT NULL,
      port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
      created_at INTEGER NOT NULL
    );
    CREATE TABLE credentials (
      id INTEGER PRIMARY KEY,
      target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
      account TEXT NOT NULL,
      secret BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      UNIQUE (target_id, account)
    );
    CREATE TABLE access_grants (
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      credential_id INTEGER NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
      granted_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, credential_id)
    ) WITHOUT ROWID;

    -- user_login, credential and device keep what was used when the session ran (evidence), and
    -- let every text filter run on one covering index without joins.
    CREATE TABLE sessions (
      id INTEGER PRIMARY KEY,
      hash TEXT NOT NULL COLLATE NOCASE,
      user_id INTEGER NOT NULL REFERENCES users(id),
      user_login TEXT NOT NULL COLLATE NOCASE,
      origin_ip TEXT NOT NULL COLLATE NOCASE,
      credential TEXT NOT NULL COLLATE NOCASE,
      device TEXT NOT NULL COLLATE NOCASE,
      protocol TEXT NOT NULL CHECK (protocol IN ('ssh', 'rdp')),
      proxy TEXT NOT NULL COLLATE NOCASE,
      status TEXT NOT NULL CHECK (status IN ('live', 'finished')),
      started_at INTEGER NOT NULL CHECK (started_at >= 0),
      ended_at INTEGER,
      duration_ms INTEGER,
      blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
      reason TEXT COLLATE NOCASE,
      error_message TEXT,
      prevent_purge_justification TEXT COLLATE NOCASE,
      prevent_purge_by INTEGER REFERENCES users(id),
      prevent_purge_at INTEGER,
      recording_path TEXT,
      recording_size INTEGER,
      recording_sha256 TEXT
    );
    CREATE UNIQUE INDEX sessions_hash ON sessions(hash);
    CREATE INDEX sessions_time ON sessions(started_at, protocol, status, proxy);
    CREATE INDEX sessions_status ON sessions(status, started_at);
    CREATE INDEX sessions_proxy ON sessions(proxy, protocol, status, started_at);
    -- Each text index carries the other text columns too, so any mix of these filters is one
    -- index range with no table lookups (the planner starts from the narrowest).
    CREATE INDEX sessions_user
      ON sessions(user_login, protocol, status, proxy, started_at, credential, device, origin_ip);
    CREATE INDEX sessions_credential
      ON sessions(credential, protocol, status, proxy, started_at, user_login, device, origin_ip);
    CREATE INDEX sessions_device
      ON sessions(device, protocol, status, proxy, started_at, user_login, credential, origin_ip);
    CREATE INDEX sessions_origin_ip
      ON sessions(origin_ip, protocol, status, proxy, started_at, user_login, credential, device);
    CREATE INDEX sessions_reason ON sessions(reason, protocol, status, proxy, started_at)
      WHERE reason IS NOT NULL;
    CREATE INDEX sessions_justification ON sessions(prevent_purge_justification, protocol, status, proxy, started_at)
      WHERE prevent_purge_justification IS NOT NULL;
    CREATE INDEX sessions_user_id ON sessions(user_id);

    -- Row counts per UTC day and low-cardinality filter values, kept by triggers, so the list's
    -- total stays fast when a filter matches half a million rows.
    CREATE TABLE session_counts (
      day INTEGER NOT NULL,
      protocol TEXT NOT NULL,
      status TEXT NOT NULL,
      proxy TEXT NOT NULL COLLATE NOCASE,
      n INTEGER NOT NULL,
      PRIMARY KEY (day, protocol, status, proxy)
    ) WITHOUT ROWID;
    CREATE TRIGGER sessions_count_insert AFTER INSERT ON sessions BEGIN
      INSERT INTO session_counts (day, protocol, status, proxy, n)
        VALUES (NEW.started_at / ${DAY_MS}, NEW.protocol, NEW.status, NEW.proxy, 1)
        ON CONFLICT (day, protocol, status, proxy) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER sessions_count_delete AFTER DELETE ON sessions BEGIN
      UPDATE session_counts SET n = n - 1
        WHERE day = OLD.started_at / ${DAY_MS} AND protocol = OLD.protocol AND status = OLD.status
          AND proxy = OLD.proxy;
    END;
    CREATE TRIGGER sessions_count_update AFTER UPDATE OF started_at, protocol, status, proxy ON sessions BEGIN
      UPDATE session_counts SET n = n - 1
        WHERE day = OLD.started_at / ${DAY_MS} AND protocol = OLD.protocol AND status = OLD.status
          AND proxy = OLD.proxy;
      INSERT INTO session_counts (day, protocol, status, proxy, n)
        VALUES (NEW.started_at / ${DAY_MS}, NEW.protocol, NEW.status, NEW.proxy, 1)
        ON CONFLICT (day, protocol, status, proxy) DO UPDATE SET n = n + 1;
    END;

    CREATE TABLE session_auditors (
      session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      added_by INTEGER REFERENCES users(id),
      added_at INTEGER NOT NULL,
      audited INTEGER NOT NULL DEFAULT 0 CHECK (audited IN (0, 1)),
      audited_at INTEGER,
      comment TEXT,
      PRIMARY KEY (session_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX session_auditors_user ON session_auditors(user_id, session_id);

    CREATE TABLE blocks (
      id INTEGER PRIMARY KEY,
      session_id INTEGER NOT NULL REFERENCES sessions(id),
      blocked_user_id INTEGER NOT NULL REFERENCES users(id),
      author_id INTEGER NOT NULL REFERENCES users(id),
      blocked_at INTEGER NOT NULL,
      released_at INTEGER,
      releaser_id INTEGER REFERENCES users(id)
    );
    CREATE INDEX blocks_session ON blocks(session_id);
    CREATE INDEX blocks_active_user ON blocks(blocked_user_id) WHERE released_at IS NULL;

    -- Append-only audit trail: each row chains to the previous one by hash (see db/events.ts).
    CREATE TABLE events (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      type TEXT NOT NULL,
      actor_id INTEGER REFERENCES users(id),
      origin_ip TEXT,
      session_id INTEGER REFERENCES sessions(id),
      note TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX events_session ON events(session_id) WHERE session_id IS NOT NULL;
    CREATE INDEX events_type ON events(type);
    CREATE INDEX events_actor ON events(actor_id) WHERE actor_id IS NOT NULL;
    CREATE INDEX events_at ON events(at);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
      SELECT RAISE(ABORT, 'audit events are append-only');
    END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
      SELECT RAISE(ABORT, 'audit events are append-only');
    END;
  `);
  const grant = db.prepare('INSERT INTO role_permissions (role, permission) VALUES (?, ?)');
  for (const [role, permissions] of Object.entries(DEFAULT_ROLE_PERMISSIONS)) {
    for (const permission of permissions) grant.run(role, permission);
  }
};

/**
 * SSH proxy: operators' public keys (`user key add`), optional private keys of target credentials,
 * each target's host key pinned on first use, and the commands typed in each session.
 */
const v2: Migration = (db) => {
  db.exec(`
    CREATE TABLE user_keys (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      algorithm TEXT NOT NULL,
      -- SSH wire encoding of the public key, compared byte for byte at login.
      public_key BLOB NOT NULL,
      -- "SHA256:<base64>" as ssh-keygen -l prints it.
      fingerprint TEXT NOT NULL,
      comment TEXT NOT NULL DEFAULT '',
      created_at INTEGER NOT NULL,
      UNIQUE (user_id, fingerprint)
    );

    -- Sealed like credentials.secret, with its own associated data.
    ALTER TABLE credentials ADD COLUMN private_key BLOB;
    -- "SHA256:<base64>" of the target's SSH host key, recorded on the first connection.
    ALTER TABLE targets ADD COLUMN host_key TEXT;

    CREATE TABLE session_commands (
      id INTEGER PRIMARY KEY,
      session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      at INTEGER NOT NULL,
      -- Milliseconds since the session started, and the minute of the session it ran in.
      offset_ms INTEGER NOT NULL,
      minute INTEGER NOT NULL,
      command TEXT NOT NULL
    );
    CREATE INDEX session_commands_session ON session_commands(session_id, id);
  `);
};

/** The meta key of the counter every access-reducing change increments (see accessRevocation). */
export const ACCESS_GENERATION_KEY = 'access_generation';

/**
 * Taking access away: users can be disabled or removed (kept for the history their sessions and
 * events point at), and every change that takes access away bumps `access_generation`, which the
 * running gateway polls to end what is no longer allowed (live sessions, live viewers) within a
 * second, whichever process (gateway or CLI) made the change.
 */
const accessRevocation: Migration = (db) => {
  const bump = `UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${ACCESS_GENERATION_KEY}'`;
  db.exec(`
    ALTER TABLE users ADD COLUMN disabled_at INTEGER;
    ALTER TABLE users ADD COLUMN removed_at INTEGER;
    INSERT OR IGNORE INTO meta (key, value) VALUES ('${ACCESS_GENERATION_KEY}', '0');
    CREATE TRIGGER access_token_revoked AFTER UPDATE OF revoked_at ON tokens BEGIN ${bump}; END;
    CREATE TRIGGER access_user_status AFTER UPDATE OF disabled_at, removed_at ON users BEGIN ${bump}; END;
    CREATE TRIGGER access_role_removed AFTER DELETE ON user_roles BEGIN ${bump}; END;
    CREATE TRIGGER access_permission_revoked AFTER DELETE ON role_permissions BEGIN ${bump}; END;
    CREATE TRIGGER access_grant_revoked AFTER DELETE ON access_grants BEGIN ${bump}; END;
    CREATE TRIGGER access_grant_changed AFTER UPDATE ON access_grants BEGIN ${bump}; END;
  `);
};

/**
 * A login attempt is written before its password is hashed (pending), so concurrent attempts count
 * against the failed-login lock while they are being checked.
 */
const loginReservations: Migration = (db) => {
  db.exec('ALTER TABLE login_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0');
};

/** File transfer (SFTP, scp, rsync) is a grant of its own, off unless given with the access grant. */
const fileTransferGrants: Migration = (db) => {
  db.exec('ALTER TABLE access_grants ADD COLUMN file_transfer INTEGER NOT NULL DEFAULT 0');
};

/** The sessions columns whose distinct values `session_terms` keeps, by filter name. */
export const TERM_COLUMNS = {
  user: 'user_login',
  credential: 'credential',
  device: 'device',
  originIp: 'origin_ip',
  proxy: 'proxy',
} as const;

/**
 * Substring filters. The distinct values of the short text columns (a few thousand at most: users,
 * accounts, targets, addresses, proxies) with their row counts, kept by triggers: a substring is
 * looked up among them and the matching values become index lookups. Reasons and justifications
 * are free text, so they get a trigram full-text index instead.
 */
const substringSearch: Migration = (db) => {
  const fields = Object.entries(TERM_COLUMNS);
  const add = (row: 'NEW' | 'OLD', step: string) =>
    fields
      .map(
        ([field, column]) =>
          `INSERT INTO session_terms (field, value, n) VALUES ('${field}', ${row}.${column}, ${step})
             ON CONFLICT (field, value) DO UPDATE SET n = n + excluded.n;`,
      )
      .join('\n');
  const textCounts = (row: 'NEW' | 'OLD', sign: '+' | '-') =>
    `UPDATE session_terms SET n = n ${sign} (${row}.reason IS NOT NULL) WHERE field = 'reason' AND value = '';
     UPDATE session_terms SET n = n ${sign} (${row}.prevent_purge_justification IS NOT NULL)
       WHERE field = 'justification' AND value = '';`;
  // Status codes as in sessionFilters.STATUS_CODES.
  const textValues = (row: string) =>
    `${row}.id, ${row}.reason, ${row}.prevent_purge_justification, ${row}.protocol, substr(${row}.status, 1, 3), ${row}.user_login`;
  const hasText = (row: string) =>
    `${row}.reason IS NOT NULL OR ${row}.prevent_purge_justification IS NOT NULL`;
  db.exec(`
    CREATE TABLE session_terms (
      field TEXT NOT NULL,
      value TEXT NOT NULL COLLATE NOCASE,
      n INTEGER NOT NULL,
      PRIMARY KEY (field, value)
    ) WITHOUT ROWID;
    ${fields
      .map(
        ([field, column]) =>
          `INSERT INTO session_terms (field, value, n)
             SELECT '${field}', ${column}, count(*) FROM sessions GROUP BY ${column};`,
      )
      .join('\n')}
    CREATE TRIGGER sessions_terms_insert AFTER INSERT ON sessions BEGIN ${add('NEW', '1')} END;
    CREATE TRIGGER sessions_terms_delete AFTER DELETE ON sessions BEGIN ${add('OLD', '-1')} END;
    CREATE TRIGGER sessions_terms_update AFTER UPDATE OF ${fields.map(([, c]) => c).join(', ')} ON sessions
    BEGIN ${add('OLD', '-1')} ${add('NEW', '1')} END;

    -- Protocol and status as 3-character codes (one trigram each) and the login beside the texts,
    -- so a reason search narrows by them inside the index (see sessionFilters.textMatch).
    CREATE VIRTUAL TABLE session_text USING fts5(
      reason, justification, protocol, status, user, content='', contentless_delete=1, tokenize='trigram'
    );
    INSERT INTO session_text (rowid, reason, justification, protocol, status, user)
      SELECT ${textValues('sessions')} FROM sessions WHERE ${hasText('sessions')};
    -- Entries of the reason and justification indexes, for planning a scan of them.
    INSERT INTO session_terms (field, value, n)
      SELECT 'reason', '', count(reason) FROM sessions
      UNION ALL SELECT 'justification', '', count(prevent_purge_justification) FROM sessions;
    CREATE TRIGGER sessions_text_insert AFTER INSERT ON sessions WHEN ${hasText('NEW')} BEGIN
      INSERT INTO session_text (rowid, reason, justification, protocol, status, user)
        VALUES (${textValues('NEW')});
      ${textCounts('NEW', '+')}
    END;
    CREATE TRIGGER sessions_text_delete AFTER DELETE ON sessions WHEN ${hasText('OLD')} BEGIN
      DELETE FROM session_text WHERE rowid = OLD.id;
      ${textCounts('OLD', '-')}
    END;
    CREATE TRIGGER sessions_text_update
    AFTER UPDATE OF reason, prevent_purge_justification, protocol, status, user_login ON sessions BEGIN
      DELETE FROM session_text WHERE rowid = OLD.id;
      INSERT INTO session_text (rowid, reason, justification, protocol, status, user)
        SELECT ${textValues('NEW')} WHERE ${hasText('NEW')};
      ${textCounts('OLD', '-')}
      ${textCounts('NEW', '+')}
    END;
  `);
};

/** The meta key of the counter every change to the audited-command rules increments. */
export const RULES_GENERATION_KEY = 'rules_generation';

/**
 * Audited-command rules, kept with the CLI and checked by the SSH proxy when an operator presses
 * Enter. Any change bumps `rules_generation`, which the running gateway polls, so a rule added by
 * the CLI (another process) applies to live sessions within a second. A matched command is kept
 * with a copy of the rule as it was, since the rule may change or go later.
 */
const commandRules: Migration = (db) => {
  const bump = `UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${RULES_GENERATION_KEY}'`;
  db.exec(`
    CREATE TABLE command_rules (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      pattern TEXT NOT NULL,
      score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
      criticality TEXT NOT NULL CHECK (criticality IN ('low', 'medium', 'high', 'critical')),
      action TEXT NOT NULL CHECK (action IN ('allow', 'block', 'interrupt')),
      target_id INTEGER REFERENCES targets(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO meta (key, value) VALUES ('${RULES_GENERATION_KEY}', '0');
    CREATE TRIGGER command_rules_added AFTER INSERT ON command_rules BEGIN ${bump}; END;
    CREATE TRIGGER command_rules_changed AFTER UPDATE ON command_rules BEGIN ${bump}; END;
    CREATE TRIGGER command_rules_removed AFTER DELETE ON command_rules BEGIN ${bump}; END;

    CREATE TABLE session_risky_commands (
      id INTEGER PRIMARY KEY,
      session_id INTEGER NOT NULL REFERENCES sessions(id),
      at INTEGER NOT NULL,
      offset_ms INTEGER NOT NULL,
      minute INTEGER NOT NULL,
      rule TEXT NOT NULL,
      score INTEGER NOT NULL,
      criticality TEXT NOT NULL,
      action TEXT NOT NULL,
      command TEXT NOT NULL
    );
    CREATE INDEX session_risky_commands_session ON session_risky_commands(session_id, id);
  `);
};

/**
 * A finished session's terminal text as a person reads it (rendered lines, each with the session
 * time it was last written), built once from the recording and kept for paging and search.
 * `session_logs_built` says whether it was built, with which extractor version, and why not.
 */
const sessionTextLog: Migration = (db) => {
  db.exec(`
    CREATE TABLE session_log_lines (
      session_id INTEGER NOT NULL REFERENCES sessions(id),
      n INTEGER NOT NULL,
      offset_ms INTEGER NOT NULL,
      text TEXT NOT NULL,
      PRIMARY KEY (session_id, n)
    ) WITHOUT ROWID;
    CREATE TABLE session_logs_built (
      session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
      status TEXT NOT NULL CHECK (status IN ('ready', 'unavailable')),
      lines INTEGER NOT NULL,
      message TEXT,
      version INTEGER NOT NULL,
      built_at INTEGER NOT NULL
    );
  `);
};

/**
 * Sealed recordings: the signed manifest of each finished recording (its canonical JSON, exactly
 * the bytes signed) and the base64 Ed25519 signature. A finished session with a recording and no
 * row here is sealed at the next start.
 */
const recordingSeals: Migration = (db) => {
  db.exec(`
    CREATE TABLE recording_seals (
      session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
      manifest TEXT NOT NULL,
      signature TEXT NOT NULL,
      key_id TEXT NOT NULL,
      signed_at INTEGER NOT NULL
    );
  `);
};

/**
 * Nothing on SQLite: the PostgreSQL sessions-list indexes (db/postgres/migrations.ts), a step here
 * too so that both engines keep the same steps under the same names.
 */
const postgresSessionsList: Migration = () => undefined;

/**
 * Which gateway node runs each live session (several nodes share one PostgreSQL database; a single
 * gateway on SQLite leaves the table empty), and the nodes' leases.
 */
const gatewayNodes: Migration = (db) => {
  db.exec(`
    CREATE TABLE node_sessions (
      session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
      node_id TEXT NOT NULL
    );
    CREATE INDEX node_sessions_node ON node_sessions(node_id);
  `);
};

/**
 * Recording retention: when a session's recording was purged, and whether its files may still be
 * somewhere (a delete that failed is tried again by the next purge). The session row keeps the
 * recording's path, size and SHA-256, which its signed manifest names.
 */
const recordingRetention: Migration = (db) => {
  db.exec(`
    ALTER TABLE sessions ADD COLUMN recording_purged_at INTEGER;
    ALTER TABLE sessions ADD COLUMN recording_purge_pending INTEGER NOT NULL DEFAULT 0
      CHECK (recording_purge_pending IN (0, 1));
    CREATE INDEX sessions_purge_due ON sessions(ended_at, id)
      WHERE recording_purged_at IS NULL AND recording_path IS NOT NULL;
    CREATE INDEX sessions_purge_pending ON sessions(id) WHERE recording_purge_pending = 1;
  `);
};

/**
 * Sessions for audit: each auditor's Audited? flag and comment live on their `session_auditors`
 * row (kept when the auditors are reconfigured); this adds when the auditor last changed them, and
 * the index that counts an auditor's sessions by flag.
 */
const auditMarks: Migration = (db) => {
  db.exec(`
    ALTER TABLE session_auditors ADD COLUMN mark_updated_at INTEGER;
    CREATE INDEX session_auditors_user_audited ON session_auditors(user_id, audited, session_id);
  `);
};

/**
 * Signed checkpoints of the audit trail (services/chainCheckpoints.ts): the exact signed body
 * (canonical JSON) and its signature, with the fields queries need. No foreign key to `events`:
 * a checkpoint must outlive the events an attacker deletes, to tell that they are gone.
 */
const auditCheckpoints: Migration = (db) => {
  db.exec(`
    CREATE TABLE audit_checkpoints (
      seq INTEGER PRIMARY KEY,
      event_id INTEGER NOT NULL,
      hash TEXT NOT NULL,
      signed_at INTEGER NOT NULL,
      key_id TEXT NOT NULL,
      body TEXT NOT NULL,
      signature TEXT NOT NULL
    );
    CREATE INDEX audit_checkpoints_event ON audit_checkpoints(event_id);
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN
      SELECT RAISE(ABORT, 'audit checkpoints are append-only');
    END;
    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN
      SELECT RAISE(ABORT, 'audit checkpoints are append-only');
    END;
  `);
};

/**
 * Search across sessions (services/searchIndexer.ts): an FTS5 index of the words of each typed
 * command and text line, folded by the shared tokenizer before they come here (the `ascii`
 * tokenizer only splits them at the spaces that join them). Without content, positions or column
 * sizes it stays a fraction of the text it indexes; a row is removed by giving its words again.
 * `search_marks` says exactly what the index holds of each session, so the indexer catches up after
 * a stop and a removal never names a row that is not there.
 */
const searchAcrossSessions: Migration = (db) => {
  db.exec(`
    CREATE VIRTUAL TABLE search_index USING fts5(
      words, content='', columnsize=0, detail=none, tokenize='ascii'
    );
    CREATE TABLE search_marks (
      session_id INTEGER PRIMARY KEY,
      last_command_id INTEGER NOT NULL DEFAULT 0,
      text_version INTEGER,
      text_first INTEGER NOT NULL DEFAULT 0,
      text_lines INTEGER NOT NULL DEFAULT 0
    );
  `);
};

export const MIGRATIONS: readonly Migration[] = [
  v1,
  v2,
  accessRevocation,
  loginReservations,
  fileTransferGrants,
  substringSearch,
  commandRules,
  sessionTextLog,
  recordingSeals,
  postgresSessionsList,
  gatewayNodes,
  recordingRetention,
  auditMarks,
  auditCheckpoints,
  searchAcrossSessions,
];
