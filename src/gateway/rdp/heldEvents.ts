import type { RdpBitmapRect, RdpCloseReason, RdpTargetConnection } from './targetConnection';

/**
 * Holds what an open target connection emits while the session's row and recording are set up
 * (database writes: on PostgreSQL they take longer than the connection waits before it emits the
 * first full repaint). `replay` stops holding and emits it all again, in order, once the live
 * session listens, so it sees the screen from its first rectangle and a close that came meanwhile.
 */
export function holdTargetEvents(connection: RdpTargetConnection): { replay(): void } {
  const rects: RdpBitmapRect[] = [];
  let closed: RdpCloseReason | null = null;
  const onBitmap = (rect: RdpBitmapRect) => rects.push(rect);
  const onClosed = (reason: RdpCloseReason) => (closed = reason);
  connection.on('bitmap', onBitmap);
  connection.once('closed', onClosed);
  return {
    replay() {
      connection.off('bitmap', onBitmap);
      connection.off('closed', onClosed);
      for (const rect of rects.splice(0)) connection.emit('bitmap', rect);
      if (closed !== null) connection.emit('closed', closed);
    },
  };
}
