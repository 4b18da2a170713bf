import { GatewayError, type ErrorStatus } from '../errors';
import { decodeFrame, encodeFrame, type RelayFrame } from './frames';
import {
  BroadcastEnvelopeSchema,
  matches,
  ReplyEnvelopeSchema,
  RequestEnvelopeSchema,
  REQUESTS,
  TOPICS,
  type RemoteError,
  type ReplyOf,
  type RequestName,
  type RequestOf,
  type TopicName,
  type TopicOf,
} from './messages';

export type Unsubscribe = () => void;

/**
 * How gateway nodes reach each other: requests to one named node (it answers or the caller gets
 * NODE_UNREACHABLE), broadcasts every node hears, and the frame stream of each live session.
 * NATS carries it between processes (natsNodeBus.ts); a single gateway uses the in-process bus
 * (localNodeBus.ts), so one code path serves both.
 */
export interface NodeBus {
  readonly nodeId: string;
  /** Asks `node`; rejects with NodeUnreachableError when it does not answer in time. */
  request<M extends RequestName>(
    node: string,
    method: M,
    payload: RequestOf<M>,
    options?: { timeoutMs?: number },
  ): Promise<ReplyOf<M>>;
  /**
   * Answers `method` for this node. A thrown GatewayError reaches the caller with its status and
   * code. Resolves once requests can arrive.
   */
  serve<M extends RequestName>(
    method: M,
    handler: (payload: RequestOf<M>, from: string) => ReplyOf<M> | Promise<ReplyOf<M>>,
  ): Promise<Unsubscribe>;
  /** Tells every node, this one included (handlers get the sender's id). */
  broadcast<T extends TopicName>(topic: T, payload: TopicOf<T>): void;
  listen<T extends TopicName>(
    topic: T,
    handler: (payload: TopicOf<T>, from: string) => void,
  ): Promise<Unsubscribe>;
  publishFrame(sessionId: number, frame: RelayFrame): void;
  /** Resolves once frames published from now on are delivered to `handler`, in order. */
  followFrames(sessionId: number, handler: (frame: RelayFrame) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

/** The target node did not answer: it is down, gone, or too busy. */
export class NodeUnreachableError extends Error {
  readonly code = 'NODE_UNREACHABLE';
  constructor(
    readonly node: string,
    readonly method: string,
    readonly reason: 'timeout' | 'no responders' | 'closed',
  ) {
    super(`Gateway node ${node} did not answer ${method} (${reason})`);
    this.name = 'NodeUnreachableError';
  }
}

/** What a bus needs from the wire; NATS and the in-process switch both provide it. */
export interface BusTransport {
  publish(subject: string, data: Uint8Array): void;
  /** `respond` is set when the message is a request. Resolves once the subscription is in force. */
  subscribe(
    subject: string,
    onMessage: (data: Uint8Array, respond: ((reply: Uint8Array) => void) | null) => void,
  ): Promise<Unsubscribe>;
  /** Rejects with TransportUnreachable when nobody answers. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class TransportUnreachable extends Error {
  constructor(readonly reason: NodeUnreachableError['reason']) {
    super(reason);
  }
}

/** Answers the caller waits for: a Drop lets the owner wait for the session to end. */
export const REQUEST_TIMEOUT_MS: Record<RequestName, number> = {
  ping: 2_000,
  'live.snapshot': 10_000,
  'live.interactivity': 2_000,
  'live.drop': 7_000,
};

/** Node ids are one subject token. */
const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const subjects = (prefix: string) => ({
  request: (node: string, method: RequestName) => `${prefix}.node.${node}.${method}`,
  topic: (topic: TopicName) => `${prefix}.cluster.${topic}`,
  frames: (sessionId: number) => `${prefix}.session.${sessionId}.frames`,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encodeJson = (value: unknown) => encoder.encode(JSON.stringify(value));

function decodeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}

const ERROR_STATUSES: readonly number[] = [400, 401, 403, 404, 409, 429];

function toRemoteError(error: unknown, nodeId: string): RemoteError {
  if (error instanceof GatewayError) {
    return { status: error.statusCode, code: error.code, message: error.message };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { status: 500, code: 'INTERNAL', message: `Gateway node ${nodeId} failed: ${detail}` };
}

function fromRemoteError(error: RemoteError): Error {
  return ERROR_STATUSES.includes(error.status)
    ? new GatewayError(error.status as ErrorStatus, error.code, error.message)
    : new Error(error.message);
}

/** The typed, validated bus over any transport. */
export class TransportNodeBus implements NodeBus {
  readonly #subjects: ReturnType<typeof subjects>;

  constructor(
    readonly nodeId: string,
    private readonly transport: BusTransport,
    prefix: string,
    /** Messages that fail their schema are dropped and reported here. */
    private readonly log: (message: string) => void = () => undefined,
  ) {
    if (!NODE_ID.test(nodeId)) throw new Error(`Invalid node id ${JSON.stringify(nodeId)}`);
    this.#subjects = subjects(prefix);
  }

  async request<M extends RequestName>(
    node: string,
    method: M,
    payload: RequestOf<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<ReplyOf<M>> {
    if (!NODE_ID.test(node)) throw new Error(`Invalid node id ${JSON.stringify(node)}`);
    let data: Uint8Array;
    try {
      data = await this.transport.request(
        this.#subjects.request(node, method),
        encodeJson({ from: this.nodeId, payload }),
        options.timeoutMs ?? REQUEST_TIMEOUT_MS[method],
      );
    } catch (error) {
      if (error instanceof TransportUnreachable) throw new NodeUnreachableError(node, method, error.reason);
      throw error;
    }
    const envelope = decodeJson(data);
    if (!matches(ReplyEnvelopeSchema, envelope))
      throw new Error(`Gateway node ${node} sent a malformed reply`);
    if (!envelope.ok) throw fromRemoteError(envelope.error);
    if (!matches(REQUESTS[method].reply, envelope.value)) {
      throw new Error(`Gateway node ${node} sent a malformed ${method} reply`);
    }
    return envelope.value as ReplyOf<M>;
  }

  serve<M extends RequestName>(
    method: M,
    handler: (payload: RequestOf<M>, from: string) => ReplyOf<M> | Promise<ReplyOf<M>>,
  ): Promise<Unsubscribe> {
    return this.transport.subscribe(this.#subjects.request(this.nodeId, method), (data, respond) => {
      if (respond === null) return;
      const envelope = decodeJson(data);
      if (!matches(RequestEnvelopeSchema, envelope) || !matches(REQUESTS[method].request, envelope.payload)) {
        respond(
          encodeJson({
            ok: false,
            error: { status: 400, code: 'BAD_MESSAGE', message: `Malformed ${method}` },
          }),
        );
        return;
      }
      const payload = envelope.payload as RequestOf<M>;
      Promise.resolve()
        .then(() => handler(payload, envelope.from))
        .then(
          (value) => respond(encodeJson({ ok: true, value })),
          (error: unknown) => respond(encodeJson({ ok: false, error: toRemoteError(error, this.nodeId) })),
        );
    });
  }

  broadcast<T extends TopicName>(topic: T, payload: TopicOf<T>): void {
    this.transport.publish(this.#subjects.topic(topic), encodeJson({ from: this.nodeId, payload }));
  }

  listen<T extends TopicName>(
    topic: T,
    handler: (payload: TopicOf<T>, from: string) => void,
  ): Promise<Unsubscribe> {
    return this.transport.subscribe(this.#subjects.topic(topic), (data) => {
      const envelope = decodeJson(data);
      if (!matches(BroadcastEnvelopeSchema, envelope) || !matches(TOPICS[topic], envelope.payload)) {
        this.log(`Dropped a malformed ${topic} broadcast`);
        return;
      }
      this.guarded(`a ${topic} listener`, () => handler(envelope.payload as TopicOf<T>, envelope.from));
    });
  }

  publishFrame(sessionId: number, frame: RelayFrame): void {
    this.transport.publish(this.#subjects.frames(sessionId), encodeFrame(frame));
  }

  followFrames(sessionId: number, handler: (frame: RelayFrame) => void): Promise<Unsubscribe> {
    return this.transport.subscribe(this.#subjects.frames(sessionId), (data) => {
      const frame = decodeFrame(data);
      if (frame === null) this.log(`Dropped a malformed frame of session ${sessionId}`);
      else this.guarded(`a viewer of session ${sessionId}`, () => handler(frame));
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** A listener that throws must not break delivery to the others (or the NATS client). */
  private guarded(who: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log(`${who} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
