/** Parsed `--http` / `--ssh` addresses: `HOST:PORT`, IPv6 as `[::1]:PORT`. */
export interface Address {
  host: string;
  port: number;
}

export interface GatewayConfig {
  dataDir: string;
  /** PostgreSQL URL; absent: SQLite in the data folder. */
  databaseUrl?: string;
  /** One node of several sharing the PostgreSQL database, reaching the others over NATS. */
  cluster?: ClusterConfig;
  /** `file:///…` or `s3://bucket/prefix?…`: where finished recordings are copied for every node. */
  recordings?: string;
  http: Address;
  /** The SSH proxy's address. */
  ssh: Address;
  /**
   * Recordings of sessions that ended more than this many days ago are purged, at start and then
   * hourly; null keeps them forever. Absent: `DEFAULTS.retentionDays`.
   */
  retentionDays?: number | null;
}

export interface ClusterConfig {
  /** This node's name (unique in the cluster, the same across restarts). */
  nodeId: string;
  /** `nats://host:port` (several separated by commas). */
  natsUrl: string;
  /** The cluster's name: the first token of its NATS subjects, so clusters can share a NATS server. */
  name: string;
}

export const DEFAULTS = {
  dataDir: './data',
  http: '127.0.0.1:8443',
  ssh: '127.0.0.1:2222',
  retentionDays: 180,
} as const;

/** Beyond a century a retention period is a typo, and its cut-off would leave the calendar. */
export const MAX_RETENTION_DAYS = 36_500;

/** `--retention-days`: a whole number of days; 0 or `off` turn retention off (null). */
export function parseRetentionDays(text: string, option: string): number | null {
  const value = text.trim().toLowerCase();
  if (value === 'off' || /^0+$/.test(value)) return null;
  return parseDays(text, option, 'or 0/off to keep recordings forever');
}

/** A whole number of days from 1 to MAX_RETENTION_DAYS. */
export function parseDays(text: string, option: string, alternative?: string): number {
  const days = /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(days >= 1 && days <= MAX_RETENTION_DAYS)) {
    const or = alternative === undefined ? '' : `, ${alternative}`;
    throw new Error(
      `${option} must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}${or}, got "${text}"`,
    );
  }
  return days;
}

export function parseAddress(text: string, option: string): Address {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535) {
    throw new Error(`${option} must be HOST:PORT (e.g. 127.0.0.1:8443), got "${text}"`);
  }
  return { host: match[1] ?? match[2]!, port };
}

export function urlHost(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]` : address.host;
}
