import type { RdpClient, RdpClientConfig } from 'node-rdpjs-2';
import { RdpTargetError } from './errors';
import { createRdpClient } from './library';

/** MCS Disconnect Provider Ultimatum: the server ends the connection on purpose (T.125). */
const DISCONNECT_PROVIDER_ULTIMATUM = 8;

interface McsLayer {
  recv(stream: { buffer: Buffer; offset: number }): void;
}

export const CUT_WITHOUT_GOODBYE = "the target's RDP server went away without ending the session";

/**
 * node-rdpjs reports a server that ends the session (logoff, the desktop exiting: the server sends
 * its MCS goodbye first) and a connection cut (the server process killed, a network failure) alike,
 * as a plain close. This client tells them apart: once connected, a close with no goodbye before it
 * is reported as an error first, so the session ends as a lost connection, as a cut SSH leg does.
 * A close the gateway itself makes is left alone by the connection (it drops errors after a drop).
 */
export function createGoodbyeAwareClient(
  config: RdpClientConfig,
  create: (config: RdpClientConfig) => RdpClient = createRdpClient,
): RdpClient {
  const client = create(config);
  let connected = false;
  let goodbye = false;
  client.on('connect', () => (connected = true));
  const mcs = (client as unknown as { mcs: McsLayer }).mcs;
  const recv = mcs.recv.bind(mcs);
  mcs.recv = (stream) => {
    if (stream.buffer[stream.offset]! >> 2 === DISCONNECT_PROVIDER_ULTIMATUM) goodbye = true;
    recv(stream);
  };
  const emit = client.emit.bind(client);
  client.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'close' && connected && !goodbye)
      emit('error', new RdpTargetError('closed', CUT_WITHOUT_GOODBYE));
    return emit(event, ...args);
  };
  return client;
}
