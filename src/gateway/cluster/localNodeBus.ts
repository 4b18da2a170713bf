import { TransportNodeBus, TransportUnreachable, type BusTransport, type NodeBus } from './nodeBus';

type Handler = (data: Uint8Array, respond: ((reply: Uint8Array) => void) | null) => void;

/**
 * The in-process switch: what NATS does between processes, inside one. A single gateway (the
 * SQLite default) uses it, so `npm start` needs no NATS; tests join several nodes to one network.
 * Delivery is asynchronous and in publish order, and every message is copied, as over a wire.
 */
export class LocalBusNetwork {
  readonly #subscribers = new Map<string, Set<Handler>>();

  /** A bus for `nodeId` on this network. */
  join(nodeId: string, options: { prefix?: string; log?: (message: string) => void } = {}): NodeBus {
    return new TransportNodeBus(nodeId, new LocalTransport(this), options.prefix ?? 'vigil', options.log);
  }

  /** @internal */
  add(subject: string, handler: Handler): () => void {
    let set = this.#subscribers.get(subject);
    if (set === undefined) {
      set = new Set();
      this.#subscribers.set(subject, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.#subscribers.get(subject) === set) this.#subscribers.delete(subject);
    };
  }

  /** @internal Delivers a copy to every subscriber, asynchronously; false when there is none. */
  deliver(subject: string, data: Uint8Array, respond: ((reply: Uint8Array) => void) | null): boolean {
    const handlers = this.#subscribers.get(subject);
    if (handlers === undefined || handlers.size === 0) return false;
    for (const handler of [...handlers]) {
      const copy = Uint8Array.from(data);
      queueMicrotask(() => handler(copy, respond));
    }
    return true;
  }
}

class LocalTransport implements BusTransport {
  readonly #subscriptions = new Set<() => void>();
  #closed = false;

  constructor(private readonly network: LocalBusNetwork) {}

  publish(subject: string, data: Uint8Array): void {
    if (!this.#closed) this.network.deliver(subject, data, null);
  }

  subscribe(subject: string, onMessage: Handler): Promise<() => void> {
    if (this.#closed) return Promise.reject(new Error('The bus is closed'));
    const remove = this.network.add(subject, onMessage);
    const unsubscribe = () => {
      this.#subscriptions.delete(unsubscribe);
      remove();
    };
    this.#subscriptions.add(unsubscribe);
    return Promise.resolve(unsubscribe);
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new TransportUnreachable('closed'));
    return new Promise((resolve, reject) => {
      let answered = false;
      const timer = setTimeout(() => {
        answered = true;
        reject(new TransportUnreachable('timeout'));
      }, timeoutMs);
      const respond = (reply: Uint8Array) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(Uint8Array.from(reply));
      };
      // Like NATS, one answer wins; nobody subscribed fails at once.
      if (!this.network.deliver(subject, data, respond)) {
        clearTimeout(timer);
        reject(new TransportUnreachable('no responders'));
      }
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const unsubscribe of [...this.#subscriptions]) unsubscribe();
    return Promise.resolve();
  }
}
