import type { Principal } from '../../shared/policy';

/** The authenticated user behind a request, as the route guard established it. */
export interface Caller {
  userId: number;
  login: string;
  name: string;
  principal: Principal;
  tokenHash: string;
  originIp: string | null;
}

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const iso = (ms: number) => new Date(ms).toISOString();
