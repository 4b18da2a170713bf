import { CommandLog, type PendingLine, type TypedCommand } from './commandLog';

/**
 * Feeds a terminal session's two streams to the command extraction (commandLog.ts) and hands each
 * command to `onCommand` as soon as it is final. Only for sessions with a terminal: the input of
 * `ssh host command` without one is data, not typing.
 */
export class TypedCommands {
  readonly #log = new CommandLog();

  constructor(private readonly onCommand: (command: TypedCommand) => void) {}

  /** Operator input that reached the target; `atMs` on the recording's clock. */
  input(data: Buffer, atMs: number): void {
    for (const command of this.#log.input(data, atMs)) this.onCommand(command);
  }

  output(data: Buffer, atMs: number): void {
    for (const command of this.#log.output(data, atMs)) this.onCommand(command);
  }

  /** The session ended: lines typed ahead whose echo did arrive are still logged. */
  finish(): void {
    for (const command of this.#log.finish()) this.onCommand(command);
  }

  get fullScreen(): boolean {
    return this.#log.fullScreen;
  }

  get inTextPaste(): boolean {
    return this.#log.inTextPaste;
  }

  pendingLine(): PendingLine {
    return this.#log.pendingLine();
  }

  discardLine(): void {
    this.#log.discardLine();
  }
}
