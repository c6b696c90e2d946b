// Snapshots replaced by a swap, kept a while for pulls already under way: a client that resolved a
// tag before the swap asks for that image's blobs by digest after it, and gets them from the
// snapshot it started with, as nginx lets requests begun before a reload finish on the old workers.
// Only by digest: tags, listings and the catalog answer from the current snapshot alone.
import type { Reply } from './reply.js';
import type { Snapshot } from './snapshot.js';

/** How long a replaced snapshot still answers by digest: a pull fetches its blobs within this. */
export const PULL_GRACE_MS = 60_000;
/** Replaced snapshots kept at most (each holds its open files and tables). */
export const KEPT_SNAPSHOTS = 4;

export class RetiredSnapshots {
  /** Newest first. */
  private list: Snapshot[] = [];
  private readonly timers = new Map<Snapshot, NodeJS.Timeout>();

  constructor(
    private readonly graceMs = PULL_GRACE_MS,
    private readonly kept = KEPT_SNAPSHOTS,
  ) {}

  get size(): number {
    return this.list.length;
  }

  /** Keeps `snapshot` for the grace time; the oldest beyond the limit close once their transfers end. */
  add(snapshot: Snapshot): void {
    this.list = [snapshot, ...this.list];
    while (this.list.length > this.kept) this.drop(this.list[this.list.length - 1]!);
    this.timers.set(snapshot, setTimeout(() => this.drop(snapshot), this.graceMs).unref());
  }

  /** The first kept snapshot, newest first, for which `answer` gives a reply. */
  find(answer: (snapshot: Snapshot) => Reply | undefined): { snapshot: Snapshot; reply: Reply } | undefined {
    for (const snapshot of this.list) {
      const reply = answer(snapshot);
      if (reply !== undefined) return { snapshot, reply };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.list].map((s) => this.drop(s)));
  }

  private drop(snapshot: Snapshot): Promise<void> {
    clearTimeout(this.timers.get(snapshot));
    this.timers.delete(snapshot);
    this.list = this.list.filter((s) => s !== snapshot);
    return snapshot.retire();
  }
}
