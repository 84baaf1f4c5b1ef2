/*
 * Reads the counters of the status (outbox, quarantine, cache) from the store. Requests are
 * coalesced: at most one read runs, and one more follows if anything asked meanwhile.
 */
import type { SyncStore } from '../store/sync-store.js';
import type { StatusCell } from './status.js';

export interface StatusRefresher {
  /** Asks for a refresh soon. Never throws. */
  request(): void;
  whenIdle(): Promise<void>;
  busy(): boolean;
}

const sum = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0);

export interface StatusRefresherOptions {
  readonly store: SyncStore;
  readonly status: StatusCell;
  readonly clock: () => number;
  /** Called as a read starts; its result is handed to `onCounted` once the counts are in, before the status is updated. */
  readonly beforeRead?: () => number;
  readonly onCounted?: (token: number) => void;
}

export function createStatusRefresher(options: StatusRefresherOptions): StatusRefresher {
  const { store, status, clock } = options;
  let dirty = false;
  let running: Promise<void> | null = null;

  async function refreshOnce(): Promise<void> {
    const token = options.beforeRead?.() ?? 0;
    const { outbox, pendingRows, failedRows, failedRowsByKind, quarantined: quarantinedCount, cache } = await store.statusCounts();
    options.onCounted?.(token);
    status.update({
      pendingCount: sum(pendingRows),
      failedCount: sum(failedRows),
      pendingRows,
      failedRows,
      failuresByReason: failedRowsByKind,
      pendingEntries: outbox.pending,
      failedEntries: outbox.failed,
      oldestPendingAt: outbox.oldestAt,
      oldestPendingAgeMs: outbox.oldestAt === null ? null : Math.max(0, clock() - outbox.oldestAt),
      quarantinedCount,
      cache,
    });
  }

  async function loop(): Promise<void> {
    while (dirty) {
      dirty = false;
      try {
        await refreshOnce();
      } catch {
        // The store may be closing; the next request tries again.
      }
    }
  }

  function request(): void {
    dirty = true;
    running ??= loop().finally(() => {
      running = null;
      // A request that landed after the loop's last look (while it was winding down) runs now.
      if (dirty) request();
    });
  }

  return {
    request,
    async whenIdle() {
      while (running !== null) await running;
    },
    busy: () => running !== null,
  };
}
