/**
 * Polls until `condition` holds, or fails naming what never happened. For state that changes without
 * an event to await (a file on disk, a counter, a DOM element after a transition). The condition may
 * be async; `what` may be a function, so the failure can show the state at the deadline. Plain timers
 * only: the renderer suites (DOM, no Node types) use it too.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until `find` returns (or resolves to) a value, not undefined, and returns it. */
export async function waitForValue<T>(
  find: () => T | undefined | Promise<T | undefined>,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<T> {
  let found: T | undefined;
  await waitFor(async () => (found = await find()) !== undefined, what, timeoutMs);
  return found!;
}
