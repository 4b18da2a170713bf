import type { AsyncStore } from '../db/asyncStore';
import type { NewEvent } from '../db/events';
import type { PurgeCandidate, PurgeCursor } from '../db/rows/recordingPurges';
import { iso, type Clock } from '../time';
import type { PurgedFiles } from './purgedFiles';

export const DAY_MS = 86_400_000;
/** Sessions read per page. */
const PAGE = 200;
/**
 * Sessions claimed per transaction. Their events take the audit chain's lock until it commits,
 * which holds up every other event of the cluster: a few dozen keep that wait short.
 */
const CLAIMS = 50;

/** Which recordings go, and who applies the rule (as the audit trail names it). */
export interface RetentionRule {
  /** Recordings of sessions that ended more than this many days ago are purged. */
  days: number;
  by: string;
}

export interface PurgeFailure {
  sessionId: number | null;
  hash: string;
  message: string;
}

export interface PurgeReport {
  /** The recordings this run purged, oldest end first. */
  purged: PurgeCandidate[];
  /** Sessions purged by an earlier run whose files this run managed to delete. */
  retried: number[];
  /** Files of recordings purged elsewhere, found on this node's disk and deleted (by hash). */
  strays: string[];
  /** Files that could not be deleted: their sessions stay marked, and the next run tries again. */
  failures: PurgeFailure[];
}

/**
 * Recording retention. A recording is purged when its session finished more than the rule's days
 * ago and nobody set Prevent Purge on it; live sessions are never touched. Each purge is claimed in
 * one transaction that marks the session (the same statement re-checks Prevent Purge, so a flag
 * set meanwhile wins) and writes its "Files purged" event: of several nodes purging at once, one
 * claims each session. The files are deleted after the claim; the session keeps a pending mark
 * until they are gone, so a delete that fails is tried again by the next run on any node.
 */
export class RetentionService {
  #running: Promise<PurgeReport> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopping = false;

  constructor(
    private readonly store: AsyncStore,
    private readonly files: PurgedFiles,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
    /** Told of each session purged, so that the lists showing it refresh. */
    private readonly purgedOne: (sessionId: number) => void = () => undefined,
  ) {}

  /** What `purge` would take now under `days`, without changing anything (a dry run). */
  async due(days: number): Promise<PurgeCandidate[]> {
    const endedBefore = this.clock() - days * DAY_MS;
    const due: PurgeCandidate[] = [];
    for await (const page of this.pages(endedBefore)) due.push(...page);
    return due;
  }

  /** Purges now; a run already going on in this process is joined (with its rule) rather than doubled. */
  purge(rule: RetentionRule): Promise<PurgeReport> {
    this.#running ??= this.run(rule).finally(() => (this.#running = null));
    return this.#running;
  }

  /** Purges now, then every `everyMs` until `stop`; `report` hears each run, failures go to the log. */
  schedule(rule: RetentionRule, everyMs: number, report: (result: PurgeReport) => void): void {
    if (this.#timer !== null) return;
    const run = () => {
      if (this.#stopping) return;
      this.purge(rule).then(report, (error: Error) =>
        this.log(`Retention: the purge failed (tried again at the next run): ${error.message}`),
      );
    };
    run();
    this.#timer = setInterval(run, everyMs);
    this.#timer.unref();
  }

  /** No new run starts; the one under way stops after the session it is on. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  private async run(rule: RetentionRule): Promise<PurgeReport> {
    const startedAt = this.clock();
    const endedBefore = startedAt - rule.days * DAY_MS;
    const report: PurgeReport = { purged: [], retried: [], strays: [], failures: [] };
    for await (const page of this.pages(endedBefore)) {
      for (let at = 0; at < page.length; at += CLAIMS) {
        if (this.#stopping) return report;
        const ids = page.slice(at, at + CLAIMS).map((due) => due.id);
        const claimed = await this.claim(ids, endedBefore, rule);
        report.purged.push(...claimed);
        for (const purged of claimed) this.purgedOne(purged.id);
      }
    }
    await this.deleteFiles(report.purged, report);
    await this.retryEarlierPurges(startedAt, report);
    if (this.#stopping) return report;
    report.strays = await this.files.sweep((hash, error) => this.failed(report, null, hash, error));
    return report;
  }

  /** Every due session, a page at a time; the next page starts after the last one read. */
  private async *pages(endedBefore: number): AsyncGenerator<PurgeCandidate[]> {
    let after: PurgeCursor | null = null;
    for (;;) {
      const page = await this.store.sessions.purgeDue(endedBefore, after, PAGE);
      if (page.length > 0) yield page;
      if (page.length < PAGE || this.#stopping) return;
      const last = page[page.length - 1]!;
      after = { endedAt: last.endedAt, id: last.id };
    }
  }

  /** A page of claims is one transaction: the marks and their events commit together. */
  private claim(ids: number[], endedBefore: number, rule: RetentionRule): Promise<PurgeCandidate[]> {
    return this.store.transaction(async (tx) => {
      const at = this.clock();
      const claimed = await tx.sessions.claimPurges(ids, endedBefore, at);
      for (const purged of claimed) await tx.events.append(filesPurgedEvent(purged, rule, at));
      return claimed;
    });
  }

  /** Deletes the files of these purges; returns those done (a failure is reported and left marked). */
  private async deleteFiles(
    purges: readonly PurgeCandidate[],
    report: PurgeReport,
  ): Promise<PurgeCandidate[]> {
    const done: PurgeCandidate[] = [];
    for (let at = 0; at < purges.length && !this.#stopping; at += PAGE) {
      const deletedNow: PurgeCandidate[] = [];
      for (const purged of purges.slice(at, at + PAGE)) {
        if (this.#stopping) break;
        try {
          await this.files.delete(purged);
          deletedNow.push(purged);
        } catch (error) {
          this.failed(report, purged.id, purged.hash, error as Error);
        }
      }
      await this.files.deleted(deletedNow);
      done.push(...deletedNow);
    }
    return done;
  }

  /**
   * Purges claimed before this run whose files are still marked: a delete that failed. Those other
   * nodes are claiming now are theirs to delete, so they are left alone.
   */
  private async retryEarlierPurges(claimedBefore: number, report: PurgeReport): Promise<void> {
    let afterId = 0;
    while (!this.#stopping) {
      const page = await this.store.sessions.purgesPending(claimedBefore, afterId, PAGE);
      const done = await this.deleteFiles(page, report);
      report.retried.push(...done.map((purged) => purged.id));
      if (page.length < PAGE) return;
      afterId = page[page.length - 1]!.id;
    }
  }

  private failed(report: PurgeReport, sessionId: number | null, hash: string, error: Error): void {
    report.failures.push({ sessionId, hash, message: error.message });
    const which = sessionId === null ? `recording ${hash}` : `recording of session ${sessionId}`;
    this.log(
      `Retention: could not delete the purged ${which} (tried again at the next purge): ${error.message}`,
    );
  }
}

/** The audit event of one purge: the gateway acts, so it has no actor, as its other own events. */
function filesPurgedEvent(purged: PurgeCandidate, rule: RetentionRule, at: number): NewEvent {
  const { path, size, sha256 } = purged.recording;
  const what =
    size === null || sha256 === null
      ? `${path} (size and SHA-256 never measured)`
      : `${path} (${size} bytes, SHA-256 ${sha256})`;
  return {
    type: 'Files purged',
    at,
    actorId: null,
    originIp: null,
    sessionId: purged.id,
    note:
      `Purged the recording of session ${purged.id}: ${what}, with its terminal text. ` +
      `Retention rule: recordings of sessions that ended more than ${rule.days} days ago (${rule.by}); ` +
      `this session ended ${iso(purged.endedAt)}. The session, its events, typed commands and signed manifest are kept.`,
  };
}
