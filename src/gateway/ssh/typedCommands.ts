/** What the proxy feeds the command extraction with (see commandLog.ts). */
export interface TypedCommands {
  /** Operator input that reached the target; `offsetMs` since the session started. */
  input(data: Buffer, offsetMs: number): void;
  /** The session ends: a line still being edited is not a command (it never ran). */
  flush(offsetMs: number): void;
}
