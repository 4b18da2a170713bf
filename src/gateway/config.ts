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
}

export interface ClusterConfig {
  /** This node's name (unique in the cluster, the same across restarts). */
  nodeId: string;
  /** `nats://host:port` (several separated by commas). */
  natsUrl: string;
  /** The cluster's name: the first token of its NATS subjects, so clusters can share a NATS server. */
  name: string;
}

export const DEFAULTS = { dataDir: './data', http: '127.0.0.1:8443', ssh: '127.0.0.1:2222' } as const;

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
