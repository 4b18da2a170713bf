/** Why a bitmap could not be decoded; the gateway can count these without parsing messages. */
export type RdpBitmapFault =
  'bad-size' | 'unsupported' | 'truncated' | 'overrun' | 'incomplete' | 'bad-order' | 'bad-output';

/** A bitmap from the server that cannot be decoded: the stream is cut, malformed or of a kind we do not read. */
export class RdpBitmapError extends Error {
  override readonly name = 'RdpBitmapError';

  constructor(
    readonly fault: RdpBitmapFault,
    message: string,
  ) {
    super(message);
  }
}
