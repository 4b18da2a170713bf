import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { API_PREFIX } from '../../../shared/api';
import { GatewayError, describe } from '../errors';
import type { GatewayClient } from '../gateway-client';
import { writeFileAtomic } from './files';

const PlaySchema = Type.Object({
  profileId: Type.String(),
  sessionId: Type.Integer(),
  at: Type.String(),
});
type Play = Static<typeof PlaySchema>;
const QueueFileSchema = Type.Object({ version: Type.Literal(1), plays: Type.Array(PlaySchema) });

/** The logged-in gateway, when there is one. */
export interface PlayAccess {
  profileId(): string | null;
  withSession<T>(call: (client: GatewayClient, token: string) => Promise<T>): Promise<T>;
}

/**
 * Plays of library recordings, owed to their gateways as "Session Play" events. Each play keeps
 * its real time and waits in plays.json until its gateway is reachable with a login, so a play
 * made offline is reported later, not lost.
 */
export class PlayQueue {
  private readonly file: string;
  private plays: Play[];
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { dir: string; access: PlayAccess; now: () => Date }) {
    this.file = join(deps.dir, 'plays.json');
    this.plays = this.load();
  }

  pending(): number {
    return this.plays.length;
  }

  async report(profileId: string, sessionId: number): Promise<number> {
    this.plays.push({ profileId, sessionId, at: this.deps.now().toISOString() });
    await this.save();
    await this.flush();
    return this.pending();
  }

  /** Sends the plays of the logged-in profile; the others wait for their own gateway. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.send())
      .catch((error) => {
        console.warn(`Reporting plays failed: ${describe(error)}`);
      });
    return this.flushing;
  }

  private async send(): Promise<void> {
    const profileId = this.deps.access.profileId();
    if (profileId === null) return;
    for (const play of this.plays.filter((p) => p.profileId === profileId)) {
      try {
        await this.deps.access.withSession((client, token) =>
          client.call('POST', `${API_PREFIX}/sessions/${play.sessionId}/plays`, Type.Unknown(), {
            token,
            body: { at: play.at },
          }),
        );
      } catch (error) {
        // Unreachable, logged out, a server fault: kept for later. A refusal (the session is gone,
        // no right to it any more) would be refused forever: dropped, with a trace.
        if (!(error instanceof GatewayError) || error.status === 401 || error.status >= 500) return;
        console.warn(`A play of session ${play.sessionId} was refused: ${error.message}`);
      }
      this.plays = this.plays.filter((p) => p !== play);
      await this.save();
    }
  }

  private load(): Play[] {
    try {
      const data: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return Value.Check(QueueFileSchema, data) ? data.plays : [];
    } catch {
      return [];
    }
  }

  private async save(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, plays: this.plays }, null, 2)}\n`);
  }
}
