/** Milliseconds since the epoch; services take one so tests can move time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** The API's timestamp form. */
export const iso = (ms: number): string => new Date(ms).toISOString();
