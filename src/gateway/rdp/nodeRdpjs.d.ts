// Types for the parts of node-rdpjs-2 (CommonJS, untyped) the gateway uses. Internal layers are
// typed only as far as the gateway reaches into them (certificate check, login flags, clean drop).
declare module 'node-rdpjs-2' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';
  import type { TLSSocket } from 'node:tls';

  export interface RdpClientConfig {
    domain?: string;
    userName?: string;
    password?: string;
    /** Sets INFO_AUTOLOGON: the server logs in with the credentials instead of showing its dialog. */
    autoLogin?: boolean;
    /** Decode RLE bitmaps with the bundled emscripten decoder (returns views of freed memory). */
    decompress?: boolean;
    screen?: { width: number; height: number };
    locale?: 'en' | 'fr';
    enablePerf?: boolean;
  }

  /** One rectangle of a bitmap update; dest* bounds are inclusive. */
  export interface RdpBitmapEvent {
    destLeft: number;
    destTop: number;
    destRight: number;
    destBottom: number;
    width: number;
    height: number;
    bitsPerPixel: number;
    /** The BITMAP_COMPRESSION flag bit (a number, not a boolean). */
    isCompress: number | boolean;
    data: Buffer;
  }

  interface Field<T> {
    value: T;
  }

  export interface BufferLayer extends EventEmitter {
    socket: Socket;
    /** Set once the X.224 negotiation selected TLS. */
    secureSocket: TLSSocket | null;
    /** Wraps `socket` in TLS; `callback` continues the RDP connection sequence. */
    startTLS(callback: () => void): void;
  }

  export interface X224Client extends EventEmitter {
    /** 0 standard RDP security, 1 TLS, 2/8 NLA: what the server chose in its connection confirm. */
    selectedProtocol: number;
    recvConnectionConfirm(stream: unknown): void;
  }

  export interface SecClient extends EventEmitter {
    infos: {
      obj: {
        flag: Field<number>;
        domain: Field<Buffer>;
        userName: Field<Buffer>;
        password: Field<Buffer>;
      };
    };
  }

  export interface RdpClient extends EventEmitter {
    connected: boolean;
    bufferLayer: BufferLayer;
    x224: X224Client;
    sec: SecClient;
    /** The top layer: the client re-emits its events (and throws its FatalErrors). */
    global: EventEmitter;
    connect(host: string, port: number): this;
    close(): this;
    sendKeyEventScancode(code: number, isPressed: boolean, extended?: boolean): void;
    sendKeyEventUnicode(code: number, isPressed: boolean): void;
    /** button 0 moves, 1–3 press or release that button. */
    sendPointerEvent(x: number, y: number, button: number, isPressed: boolean): void;
    sendWheelEvent(x: number, y: number, step: number, isNegative: boolean, isHorizontal: boolean): void;
    on(event: 'connect' | 'close' | 'session', listener: () => void): this;
    on(event: 'bitmap', listener: (bitmap: RdpBitmapEvent) => void): this;
    on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  }

  export function createClient(config?: RdpClientConfig): RdpClient;

  const rdpjs: { createClient: typeof createClient };
  export default rdpjs;
}

declare module 'node-rdpjs-2/lib/core/log.js' {
  /** The library's bunyan front: every layer calls these through this shared object. */
  const log: Record<'debug' | 'info' | 'warn' | 'error', (message: unknown) => void>;
  export default log;
}
