import {
  ClosedConnectionError,
  connect,
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
} from '@nats-io/transport-node';
import { TransportNodeBus, TransportUnreachable, type BusTransport, type NodeBus } from './nodeBus';

export interface NatsBusOptions {
  /** `nats://host:port`, or several separated by commas (a NATS cluster). */
  url: string;
  nodeId: string;
  /** First token of every subject, so several Vigil clusters (or test runs) can share one NATS. */
  prefix?: string;
  log?: (message: string) => void;
}

/** An answer that can no longer be sent (this connection closed meanwhile) has nobody waiting. */
function respondQuietly(msg: Msg, reply: Uint8Array): void {
  try {
    msg.respond(reply);
  } catch {
    // The requester gets NODE_UNREACHABLE from its own timeout.
  }
}

/** NATS core (at-most-once, in order per publisher): what gateway nodes need is live, not stored. */
class NatsTransport implements BusTransport {
  constructor(private readonly nc: NatsConnection) {}

  publish(subject: string, data: Uint8Array): void {
    this.nc.publish(subject, data);
  }

  async subscribe(
    subject: string,
    onMessage: (data: Uint8Array, respond: ((reply: Uint8Array) => void) | null) => void,
  ): Promise<() => void> {
    const subscription = this.nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error !== null) return;
        onMessage(msg.data, msg.reply === undefined ? null : (reply) => respondQuietly(msg, reply));
      },
    });
    // Once the server has answered a flush, it has the subscription: nothing published after is missed.
    await this.nc.flush();
    return () => subscription.unsubscribe();
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    try {
      return (await this.nc.request(subject, data, { timeout: timeoutMs })).data;
    } catch (error) {
      if (error instanceof TimeoutError) throw new TransportUnreachable('timeout');
      if (error instanceof RequestError && error.isNoResponders())
        throw new TransportUnreachable('no responders');
      if (error instanceof RequestError || error instanceof ClosedConnectionError) {
        throw new TransportUnreachable('closed');
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

/** Connects this node to NATS; reconnects on its own when the server comes back. */
export async function connectNatsNodeBus(options: NatsBusOptions): Promise<NodeBus> {
  const nc = await connect({
    servers: options.url.split(',').map((s) => s.trim()),
    name: `vigil-gateway-${options.nodeId}`,
    maxReconnectAttempts: -1,
  });
  return new TransportNodeBus(options.nodeId, new NatsTransport(nc), options.prefix ?? 'vigil', options.log);
}
