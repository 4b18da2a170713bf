import { normalizeFingerprint } from './rdp/certificate';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import {
  DEFAULTS,
  parseAddress,
  parseDays,
  parseRetentionDays,
  type ClusterConfig,
  type GatewayConfig,
} from './config';
import { SecretBox } from './crypto/secrets';
import { ensureDataDir, loadMasterKey } from './datadir';
import { joinedStore, type AsyncStore } from './db/asyncStore';
import { checkDatabaseUrl, openGatewayStore } from './db/openGatewayStore';
import { GatewayError } from './errors';
import { tuneHeapForStreaming } from './heapTuning';
import { verifyRecording } from './seal/verifyFiles';
import { isEvidenceBundle, verifyBundleCommand } from './evidenceCommand';
import { AccessRemovalService } from './services/accessRemoval';
import { AdminService } from './services/admin';
import { CommandRulesAdminService } from './services/commandRulesAdmin';
import { systemClock } from './time';
import { keepServingOnFaults } from './processGuards';
import { SshAdminService } from './services/sshAdmin';
import { purgeCommand } from './purgeCommand';

export const USAGE = `Usage: vigil-gateway COMMAND [options]

Gateway:
  serve [--data DIR] [--http HOST:PORT] [--ssh HOST:PORT] [--database URL]
        [--nats URL [--node NAME] [--cluster NAME]] [--recordings URL] [--retention-days N|off]
        Start the gateway (HTTPS API on ${DEFAULTS.http}, SSH proxy address ${DEFAULTS.ssh}).
        First start: creates user admin with $VIGIL_ADMIN_PASSWORD, or prints a random password once.
        --nats (or $VIGIL_NATS): one node of several sharing the --database, reaching each other
        through this NATS server; --node names this node (default: the host name), --cluster
        the cluster (default vigil). --recordings (or $VIGIL_RECORDINGS): file:///PATH (a folder every
        node mounts) or s3://BUCKET/PREFIX?endpoint=URL where finished recordings are moved, so that
        any node serves any recording.
        --retention-days (or $VIGIL_RETENTION_DAYS, default ${DEFAULTS.retentionDays}): at start and then hourly,
        purge the recordings of sessions that ended more than N days ago (except those with Prevent
        Purge); 0 or off keeps recordings forever.

Administration (works while the gateway runs):
  user add LOGIN --name NAME --role ROLE [--password-stdin]
        Without --password-stdin a password is generated and printed once.
  user list                       Every user with its status (active, disabled, removed)
  user disable LOGIN              Refuses its logins (HTTP and SSH), ends its tokens and live sessions
  user enable LOGIN               Lets a disabled user log in again
  user remove LOGIN               As disable, and drops its keys and grants for good; its sessions and
                                  events stay in the audit trail and the login stays taken
  role grant ROLE PERMISSION
  role revoke ROLE PERMISSION
  target add NAME --protocol ssh|rdp --host HOST --port PORT [--host-key FILE|FINGERPRINT]
        --host-key: the SSH host key the target must show (a public key file, an ssh-keyscan line,
        or SHA256:… as ssh-keygen -lf prints it). Without it the first key shown is pinned.
  credential add TARGET ACCOUNT --password-stdin [--key-file FILE]
        Stored encrypted. With --key-file the gateway logs in with that private key (password as fallback).
  access grant LOGIN TARGET ACCOUNT [--file-transfer]
        --file-transfer also allows SFTP, scp and rsync (refused otherwise); granting again without
        it takes file transfer away.
  access revoke LOGIN TARGET ACCOUNT
                                  Ends LOGIN's live sessions on ACCOUNT@TARGET too
  credential remove TARGET ACCOUNT
                                  Deletes the credential and every grant on it (live sessions end)
  target remove NAME              Deletes the target, its credentials and grants (live sessions end)
  user key add LOGIN FILE         Lets LOGIN log into the SSH proxy with the public key(s) in FILE
  user key list LOGIN
  user key remove LOGIN FINGERPRINT|COMMENT
                                  Removes the key(s) with that SHA256 fingerprint or comment
  target forget-host-key NAME     After a target was reinstalled: trust the next host key it shows

Audited-command rules (apply to live SSH sessions at their next command):
  rule add NAME --pattern REGEX --score 0-100 --criticality low|medium|high|critical
        --action allow|block|interrupt [--target TARGET]
        REGEX: JavaScript syntax, case-sensitive, found anywhere in the command line (anchor with
        ^ and $); no backreferences or lookaround. allow logs the command, block stops it,
        interrupt stops it and ends the session. Without --target the rule applies to every target.
  rule list                       Every rule (name, action, score, criticality, target, pattern)
  rule remove NAME

Recordings:
  verify RECORDING [--manifest FILE] [--signature FILE] [--public-key FILE]
        Checks a recording (e.g. a copy) against its signed manifest. Defaults: NAME.manifest.json and
        NAME.manifest.sig next to NAME.vrec, and the signing key of --data. Prints "Verified" with the
        key id, or what fails (signature, unknown key, size, SHA-256) and exits with 1.
  verify BUNDLE [--json]
        Checks an evidence bundle (its folder, or its .zip) offline: the signed statement, every
        file's SHA-256, the recordings against their signed manifests, the audit-trail proof, and
        that no file was added or removed. Prints the signing key id (compare it with the gateway's)
        and each problem with the file it concerns; exits with 1 when any check fails.
  purge [--older-than DAYS] [--dry-run] [--recordings URL]
        Purges now the recordings of finished sessions that ended more than DAYS days ago (default:
        $VIGIL_RETENTION_DAYS, else ${DEFAULTS.retentionDays}), except those with Prevent Purge. The sessions, their
        events, typed commands and signed manifests are kept. Prints each recording purged and the
        total; --dry-run only lists them. --recordings (or $VIGIL_RECORDINGS): the shared store the
        gateway uses, to delete them from it too. Exits with 1 when a file could not be deleted
        (the next purge tries again).

Every command takes --data DIR (default ${DEFAULTS.dataDir}) and --database URL: a PostgreSQL URL
(postgres://USER@HOST:PORT/DATABASE, default $VIGIL_DATABASE) instead of the SQLite file in the data
folder. Quote roles with spaces: --role "PAM Auditor".
Roles: System Administrator, PAM Administrator, PAM Auditor, Operator.
`;

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal(): Promise<string>;
}

const OPTIONS = {
  data: { type: 'string' },
  database: { type: 'string' },
  http: { type: 'string' },
  ssh: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  protocol: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'key-file': { type: 'string' },
  'host-key': { type: 'string' },
  'file-transfer': { type: 'boolean' },
  pattern: { type: 'string' },
  score: { type: 'string' },
  criticality: { type: 'string' },
  action: { type: 'string' },
  target: { type: 'string' },
  'log-level': { type: 'string' },
  nats: { type: 'string' },
  node: { type: 'string' },
  cluster: { type: 'string' },
  recordings: { type: 'string' },
  'retention-days': { type: 'string' },
  'older-than': { type: 'string' },
  'dry-run': { type: 'boolean' },
  manifest: { type: 'string' },
  signature: { type: 'string' },
  'public-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = keyof typeof OPTIONS;
type Values = Partial<Record<OptionName, string | boolean>>;

interface Command {
  words: string[];
  /** Positional arguments after the command words. */
  args: string[];
  options: OptionName[];
  required?: OptionName[];
  run(ctx: { args: string[]; values: Values; io: CliIO }): Promise<number>;
}

class UsageError extends Error {}

const str = (values: Values, name: OptionName) => values[name] as string | undefined;

/** `--database` (runCli puts $VIGIL_DATABASE there when absent); undefined: SQLite in the data folder. */
function databaseUrl(values: Values): string | undefined {
  const given = str(values, 'database');
  return given === undefined ? undefined : checkDatabaseUrl(given, '--database');
}

async function withStore<T>(
  values: Values,
  fn: (store: AsyncStore, admin: AdminService) => Promise<T> | T,
): Promise<T> {
  const paths = ensureDataDir(str(values, 'data') ?? DEFAULTS.dataDir);
  const store = await openGatewayStore({ url: databaseUrl(values), sqlitePath: paths.database });
  try {
    const admin = new AdminService(store, systemClock, () => new SecretBox(loadMasterKey(paths)));
    return await fn(store, admin);
  } finally {
    await store.close();
  }
}

/** Runs `fn` in one transaction, with the administration services built on it. */
function inTransaction<T>(
  store: AsyncStore,
  values: Values,
  fn: (store: AsyncStore, admin: AdminService) => Promise<T>,
): Promise<T> {
  const paths = ensureDataDir(str(values, 'data') ?? DEFAULTS.dataDir);
  return store.transaction((tx) => {
    const joined = joinedStore(tx, store.dialect);
    return fn(joined, new AdminService(joined, systemClock, () => new SecretBox(loadMasterKey(paths))));
  });
}

function sshAdmin(store: AsyncStore, values: Values): SshAdminService {
  const paths = ensureDataDir(str(values, 'data') ?? DEFAULTS.dataDir);
  return new SshAdminService(store, systemClock, () => new SecretBox(loadMasterKey(paths)));
}

function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

/** The secret sent on stdin, without the newline `echo` or a terminal adds. */
async function readSecret(io: CliIO): Promise<string> {
  return (await io.readStdin()).replace(/\r?\n$/, '');
}

/** Rows of cells in aligned columns; the last column is free to hold spaces. */
function printTable(io: CliIO, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    io.out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

const NODE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `--nats` (or $VIGIL_NATS) with this node's and the cluster's names; undefined: a single gateway. */
function clusterConfig(values: Values, env: CliIO['env']): ClusterConfig | undefined {
  const natsUrl = str(values, 'nats') ?? (env.VIGIL_NATS === '' ? undefined : env.VIGIL_NATS);
  if (natsUrl === undefined) {
    if (values.node !== undefined || values.cluster !== undefined)
      throw new UsageError('--node and --cluster go with --nats');
    return undefined;
  }
  if (!/^(nats|tls):\/\/\S+$/.test(natsUrl))
    throw new UsageError(`--nats must be nats://HOST:PORT, got "${natsUrl}"`);
  if (values.database === undefined)
    throw new UsageError('--nats needs --database: the nodes share one PostgreSQL database');
  const nodeId =
    str(values, 'node') ??
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 64);
  const name = str(values, 'cluster') ?? 'vigil';
  for (const [option, value] of [
    ['--node', nodeId],
    ['--cluster', name],
  ] as const) {
    if (!NODE_NAME.test(value))
      throw new UsageError(`${option} must be 1-64 letters, digits, dashes or underscores, got "${value}"`);
  }
  return { nodeId, natsUrl, name };
}

/** `--recordings` or $VIGIL_RECORDINGS; undefined: recordings stay in each node's data folder. */
function recordingsUrl(values: Values, env: CliIO['env']): string | undefined {
  return str(values, 'recordings') ?? (env.VIGIL_RECORDINGS === '' ? undefined : env.VIGIL_RECORDINGS);
}

/** A value the parser refuses, on the command line or in the environment, is a usage error (exit 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--retention-days`, else $VIGIL_RETENTION_DAYS, else the default; null: retention is off. */
function retentionDays(values: Values, env: CliIO['env']): number | null {
  const given = str(values, 'retention-days');
  if (given !== undefined) return usage(() => parseRetentionDays(given, '--retention-days'));
  const fromEnv = env.VIGIL_RETENTION_DAYS;
  if (fromEnv !== undefined && fromEnv !== '')
    return usage(() => parseRetentionDays(fromEnv, 'VIGIL_RETENTION_DAYS'));
  return DEFAULTS.retentionDays;
}

/** `purge --older-than`, else the retention the gateway applies; a usage error when that is off. */
function purgeDays(values: Values, env: CliIO['env']): number {
  const given = str(values, 'older-than');
  if (given !== undefined) return usage(() => parseDays(given, '--older-than'));
  const days = retentionDays({}, env);
  if (days === null)
    throw new UsageError(
      'retention is off (VIGIL_RETENTION_DAYS): say which recordings with --older-than DAYS',
    );
  return days;
}

/** A value the command line got wrong (a bad pattern, score…) is a usage error, not a refusal. */
async function optionValues<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError && err.statusCode === 400) throw new UsageError(err.message);
    throw err;
  }
}

const COMMANDS: Command[] = [
  {
    words: ['serve'],
    args: [],
    options: ['http', 'ssh', 'log-level', 'nats', 'node', 'cluster', 'recordings', 'retention-days'],
    async run({ values, io }) {
      const config: GatewayConfig = {
        dataDir: str(values, 'data') ?? DEFAULTS.dataDir,
        databaseUrl: databaseUrl(values),
        cluster: clusterConfig(values, io.env),
        recordings: recordingsUrl(values, io.env),
        http: parseAddress(str(values, 'http') ?? DEFAULTS.http, '--http'),
        ssh: parseAddress(str(values, 'ssh') ?? DEFAULTS.ssh, '--ssh'),
        retentionDays: retentionDays(values, io.env),
      };
      // Loaded only to serve: administration commands start fast and never load the proxies.
      const { startGateway } = await import('./server');
      tuneHeapForStreaming();
      const stopGuarding = keepServingOnFaults(io.err);
      const gateway = await startGateway(config, {
        adminPassword: io.env.VIGIL_ADMIN_PASSWORD === '' ? undefined : io.env.VIGIL_ADMIN_PASSWORD,
        print: io.out,
        logLevel: str(values, 'log-level'),
      });
      const signal = await io.stopSignal();
      io.out(`Received ${signal}, stopping`);
      await gateway.close();
      stopGuarding();
      io.out('Vigil gateway stopped');
      return 0;
    },
  },
  {
    words: ['user', 'add'],
    args: ['LOGIN'],
    options: ['name', 'role', 'password-stdin'],
    required: ['name', 'role'],
    async run({ args, values, io }) {
      const password = values['password-stdin'] === true ? await readSecret(io) : undefined;
      return withStore(values, async (_store, admin) => {
        const role = str(values, 'role')!;
        const result = await admin.addUser({ login: args[0]!, name: str(values, 'name')!, role, password });
        io.out(`Created user ${args[0]} (${role})`);
        if (result.generated) io.out(`Password for ${args[0]}, shown only now: ${result.password}`);
        return 0;
      });
    },
  },
  {
    words: ['user', 'list'],
    args: [],
    options: [],
    async run({ values, io }) {
      return withStore(values, async (_store, admin) => {
        const users = await admin.listUsers();
        printTable(io, [
          ['ID', 'LOGIN', 'NAME', 'STATUS', 'ROLES'],
          ...users.map((u) => [String(u.id), u.login, u.name, u.status, u.roles.join(', ')]),
        ]);
        return 0;
      });
    },
  },
  ...(['grant', 'revoke'] as const).map((verb): Command => ({
    words: ['role', verb],
    args: ['ROLE', 'PERMISSION'],
    options: [],
    async run({ args, values, io }) {
      return withStore(values, async (_store, admin) => {
        const [role, permission] = args as [string, string];
        const changed =
          verb === 'grant' ? await admin.grant(role, permission) : await admin.revoke(role, permission);
        if (verb === 'grant')
          io.out(changed ? `Granted ${permission} to ${role}` : `${role} already had ${permission}`);
        else io.out(changed ? `Revoked ${permission} from ${role}` : `${role} did not have ${permission}`);
        return 0;
      });
    },
  })),
  {
    words: ['target', 'add'],
    args: ['NAME'],
    options: ['protocol', 'host', 'port', 'host-key'],
    required: ['protocol', 'host', 'port'],
    async run({ args, values, io }) {
      const hostKey = str(values, 'host-key');
      // A fingerprint as given (SSH's SHA256:…, or the hex of an RDP target's certificate); else a file.
      const hostKeyText =
        hostKey === undefined || hostKey.startsWith('SHA256:') || normalizeFingerprint(hostKey) !== null
          ? hostKey
          : readTextFile(hostKey);
      return withStore(values, async (outer) => {
        const [name] = args as [string];
        const fingerprint = await inTransaction(outer, values, async (store, admin) => {
          await admin.addTarget({
            name,
            protocol: str(values, 'protocol')!,
            host: str(values, 'host')!,
            port: str(values, 'port')!,
          });
          return hostKeyText === undefined ? null : sshAdmin(store, values).setHostKey(name, hostKeyText);
        });
        io.out(
          `Added target ${name} (${str(values, 'protocol')} ${str(values, 'host')}:${str(values, 'port')})`,
        );
        if (fingerprint !== null)
          io.out(
            str(values, 'protocol') === 'rdp'
              ? `Its TLS certificate must have the SHA-256 fingerprint ${fingerprint}`
              : `Its SSH host key must be ${fingerprint}`,
          );
        return 0;
      });
    },
  },
  {
    words: ['credential', 'add'],
    args: ['TARGET', 'ACCOUNT'],
    options: ['password-stdin', 'key-file'],
    required: ['password-stdin'],
    async run({ args, values, io }) {
      const password = await readSecret(io);
      const keyFile = str(values, 'key-file');
      const privateKey = keyFile === undefined ? null : readTextFile(keyFile);
      return withStore(values, async (outer) => {
        const [target, account] = args as [string, string];
        const { result, fingerprint } = await inTransaction(outer, values, async (store, admin) => ({
          result: await admin.addCredential(target, account, password),
          fingerprint: await sshAdmin(store, values).setCredentialKey(target, account, privateKey),
        }));
        io.out(
          `${result === 'created' ? 'Stored' : 'Replaced'} the credential of ${account} on ${target} (encrypted)`,
        );
        if (fingerprint !== null) io.out(`The gateway logs in with the private key ${fingerprint}`);
        return 0;
      });
    },
  },
  {
    words: ['user', 'key', 'add'],
    args: ['LOGIN', 'FILE'],
    options: [],
    async run({ args, values, io }) {
      const [login, file] = args as [string, string];
      const text = readTextFile(file);
      return withStore(values, async (store) => {
        for (const key of await sshAdmin(store, values).addUserKeys(login, text)) {
          io.out(
            `${key.added ? 'Added' : 'Already had'} ${key.algorithm} key ${key.fingerprint} for ${login}`,
          );
        }
        return 0;
      });
    },
  },
  {
    words: ['user', 'key', 'list'],
    args: ['LOGIN'],
    options: [],
    async run({ args, values, io }) {
      return withStore(values, async (store) => {
        const keys = await sshAdmin(store, values).listUserKeys(args[0]!);
        if (keys.length === 0) io.out(`${args[0]} has no SSH keys`);
        for (const key of keys) io.out(`${key.fingerprint}  ${key.algorithm}  ${key.comment}`.trimEnd());
        return 0;
      });
    },
  },
  {
    words: ['target', 'forget-host-key'],
    args: ['NAME'],
    options: [],
    async run({ args, values, io }) {
      return withStore(values, async (store) => {
        const forgotten = await sshAdmin(store, values).forgetHostKey(args[0]!);
        io.out(
          forgotten
            ? `Forgot the host key of ${args[0]}: the next connection pins the key it shows`
            : `No host key was pinned for ${args[0]}`,
        );
        return 0;
      });
    },
  },
  {
    words: ['access', 'grant'],
    args: ['LOGIN', 'TARGET', 'ACCOUNT'],
    options: ['file-transfer'],
    async run({ args, values, io }) {
      return withStore(values, async (_store, admin) => {
        const [login, target, account] = args as [string, string, string];
        const fileTransfer = values['file-transfer'] === true;
        const created = await admin.grantAccess(login, target, account, { fileTransfer });
        const transfer = fileTransfer ? ' with file transfer (SFTP, scp, rsync)' : '';
        io.out(
          created
            ? `Granted ${login} access to ${account}@${target}${transfer}`
            : `${login} already had access to ${account}@${target}; it is now${transfer || ' without file transfer'}`,
        );
        return 0;
      });
    },
  },
  ...ruleCommands(),
  ...removalCommands(),
  {
    words: ['purge'],
    args: [],
    options: ['older-than', 'dry-run', 'recordings'],
    async run({ values, io }) {
      const days = purgeDays(values, io.env);
      const recordings = recordingsUrl(values, io.env);
      return withStore(values, (store) =>
        purgeCommand(io, store, {
          dataDir: str(values, 'data') ?? DEFAULTS.dataDir,
          days,
          dryRun: values['dry-run'] === true,
          recordings,
        }),
      );
    },
  },
  {
    words: ['verify'],
    args: ['RECORDING|BUNDLE'],
    options: ['manifest', 'signature', 'public-key', 'json'],
    async run({ args, values, io }) {
      if (isEvidenceBundle(args[0]!)) return verifyBundleCommand(args[0]!, values.json === true, io);
      const report = await verifyRecording({
        recording: args[0]!,
        manifest: str(values, 'manifest'),
        signature: str(values, 'signature'),
        publicKey: str(values, 'public-key'),
        dataDir: str(values, 'data') ?? DEFAULTS.dataDir,
      });
      if (!report.ok) {
        io.err(`Not verified (${report.failure}): ${report.message}`);
        return 1;
      }
      io.out(report.message);
      return 0;
    },
  },
];

/** The audited-command rules: kept here, enforced by the running gateway's SSH proxy. */
function ruleCommands(): Command[] {
  const withRules = <T>(values: Values, fn: (rules: CommandRulesAdminService) => Promise<T>): Promise<T> =>
    withStore(values, (store) => fn(new CommandRulesAdminService(store, systemClock)));
  return [
    {
      words: ['rule', 'add'],
      args: ['NAME'],
      options: ['pattern', 'score', 'criticality', 'action', 'target'],
      required: ['pattern', 'score', 'criticality', 'action'],
      async run({ args, values, io }) {
        return withRules(values, async (rules) => {
          const rule = await optionValues(() =>
            rules.add({
              name: args[0]!,
              pattern: str(values, 'pattern')!,
              score: str(values, 'score')!,
              criticality: str(values, 'criticality')!,
              action: str(values, 'action')!,
              target: str(values, 'target'),
            }),
          );
          const scope = rule.target === null ? 'every target' : `target ${rule.target}`;
          io.out(`Added the command rule ${rule.name} (${rule.action}, on ${scope})`);
          return 0;
        });
      },
    },
    {
      words: ['rule', 'list'],
      args: [],
      options: [],
      async run({ values, io }) {
        return withRules(values, async (rules) => {
          const list = await rules.list();
          if (list.length === 0) {
            io.out('No audited-command rules.');
            return 0;
          }
          printTable(io, [
            ['NAME', 'ACTION', 'SCORE', 'CRITICALITY', 'TARGET', 'PATTERN'],
            ...list.map((r) => [
              r.name,
              r.action,
              String(r.score),
              r.criticality,
              r.target ?? 'all targets',
              // Between slashes, as JavaScript writes it, so a leading or trailing space shows.
              `/${r.pattern}/`,
            ]),
          ]);
          return 0;
        });
      },
    },
    {
      words: ['rule', 'remove'],
      args: ['NAME'],
      options: [],
      async run({ args, values, io }) {
        return withRules(values, async (rules) => {
          io.out(`Removed the command rule ${(await rules.remove(args[0]!)).name}`);
          return 0;
        });
      },
    },
  ];
}

/** Commands that take access away; the running gateway ends what they revoke within a second. */
function removalCommands(): Command[] {
  const removal = (
    words: string[],
    args: string[],
    run: (removals: AccessRemovalService, args: string[], io: CliIO) => Promise<void>,
  ): Command => ({
    words,
    args,
    options: [],
    async run({ args: given, values, io }) {
      return withStore(values, async (store) => {
        await run(new AccessRemovalService(store, systemClock), given, io);
        return 0;
      });
    },
  });
  return [
    removal(['user', 'disable'], ['LOGIN'], async (r, [login], io) =>
      io.out(
        (await r.disableUser(login!))
          ? `Disabled ${login}: its logins, tokens and live sessions are ended`
          : `${login} was already disabled`,
      ),
    ),
    removal(['user', 'enable'], ['LOGIN'], async (r, [login], io) =>
      io.out((await r.enableUser(login!)) ? `Enabled ${login}` : `${login} was not disabled`),
    ),
    removal(['user', 'remove'], ['LOGIN'], async (r, [login], io) => {
      await r.removeUser(login!);
      io.out(`Removed ${login}: its sessions and events stay in the audit trail`);
    }),
    removal(['user', 'key', 'remove'], ['LOGIN', 'FINGERPRINT|COMMENT'], async (r, [login, key], io) => {
      for (const fingerprint of await r.removeUserKey(login!, key!))
        io.out(`Removed the SSH key ${fingerprint} of ${login}`);
    }),
    removal(['access', 'revoke'], ['LOGIN', 'TARGET', 'ACCOUNT'], async (r, [login, target, account], io) => {
      await r.revokeAccess(login!, target!, account!);
      io.out(`Revoked the access of ${login} to ${account}@${target}`);
    }),
    removal(['target', 'remove'], ['NAME'], async (r, [name], io) => {
      await r.removeTarget(name!);
      io.out(`Removed target ${name} with its credentials and access grants`);
    }),
    removal(['credential', 'remove'], ['TARGET', 'ACCOUNT'], async (r, [target, account], io) => {
      await r.removeCredential(target!, account!);
      io.out(`Removed the credential of ${account} on ${target} and its access grants`);
    }),
  ];
}

function usageLine(command: Command): string {
  return `vigil-gateway ${[...command.words, ...command.args].join(' ')}`;
}

/** Runs one CLI invocation and returns its exit code (0 ok, 1 refused, 2 usage error). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (err) {
    io.err(`vigil-gateway: ${(err as Error).message}`);
    io.err('Run vigil-gateway --help for usage.');
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0 || positionals[0] === 'help') {
    io.out(USAGE);
    return positionals.length === 0 && values.help !== true ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.words.every((w, i) => positionals[i] === w));
  try {
    if (command === undefined) throw new UsageError(`unknown command "${positionals.join(' ')}"`);
    const args = positionals.slice(command.words.length);
    if (args.length !== command.args.length) {
      throw new UsageError(
        `expected ${command.args.length === 0 ? 'no arguments' : command.args.join(' ')}: ${usageLine(command)}`,
      );
    }
    const allowed = new Set<OptionName>(['data', 'database', 'help', ...command.options]);
    const extra = (Object.keys(values) as OptionName[]).filter((k) => !allowed.has(k));
    if (extra.length > 0)
      throw new UsageError(`${command.words.join(' ')} does not take --${extra.join(', --')}`);
    const fromEnv = io.env.VIGIL_DATABASE;
    if (values.database === undefined && fromEnv !== undefined && fromEnv !== '')
      values.database = checkDatabaseUrl(fromEnv, 'VIGIL_DATABASE');
    const missing = (command.required ?? []).filter((k) => values[k] === undefined);
    if (missing.length > 0)
      throw new UsageError(`${command.words.join(' ')} needs --${missing.join(', --')}`);
    return await command.run({ args, values, io });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`vigil-gateway: ${err.message}`);
      io.err('Run vigil-gateway --help for usage.');
      return 2;
    }
    io.err(
      `vigil-gateway: ${err instanceof GatewayError || err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
}

function processIO(): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    stopSignal: () =>
      new Promise((resolve) => {
        const stop = (signal: string) => {
          // A second signal while shutting down means: stop now.
          process.once(signal, () => process.exit(1));
          resolve(signal);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      }),
  };
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, processIO());
}
