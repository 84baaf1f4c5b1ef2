import type { EngineStatus, QuarantineEntry, SyncEngine, SyncLogEntry, SyncStore } from 'localfire';
import { createStateCell } from './state-cell.js';
import type { Observable } from './state-cell.js';

/** How many log events the inspector keeps. */
export const INSPECTOR_LOG_SIZE = 200;

export interface SyncInspectorState {
  readonly status: EngineStatus;
  /** Cached rows over every collection. */
  readonly cachedRows: number;
  readonly quarantine: readonly QuarantineEntry[];
  /** The last {@link INSPECTOR_LOG_SIZE} sync log events, newest first. */
  readonly log: readonly SyncLogEntry[];
  /** An action in progress. */
  readonly busy: 'force-sync' | 'clear-cache' | null;
  /** The outcome of the last action, for a short notice. */
  readonly notice: string | null;
}

export interface SyncInspectorViewModel extends Observable<SyncInspectorState> {
  forceSync(): Promise<void>;
  clearCache(): Promise<void>;
  dispose(): void;
}

export interface SyncInspectorViewModelOptions {
  readonly engine: Pick<SyncEngine, 'status' | 'log' | 'forceSync' | 'clearCache'>;
  /** Where quarantined documents are listed from (the local store's `sync`). */
  readonly sync: Pick<SyncStore, 'listQuarantine'>;
}

/**
 * The sync inspector (the spec's SyncStatusView, grown up): the engine's status snapshot,
 * quarantined documents, the recent log, and the Force sync / Clear cache actions.
 */
export function createSyncInspectorViewModel(options: SyncInspectorViewModelOptions): SyncInspectorViewModel {
  const { engine, sync } = options;
  const newestFirst = (entries: readonly SyncLogEntry[]): SyncLogEntry[] => entries.slice(-INSPECTOR_LOG_SIZE).reverse();
  const initial = engine.status.get();
  const cell = createStateCell<SyncInspectorState>({
    status: initial, cachedRows: countRows(initial), quarantine: [], log: newestFirst(engine.log.entries()), busy: null, notice: null,
  });
  let disposed = false;
  let quarantinedSeen = -1;

  const refreshQuarantine = (count: number): void => {
    if (count === quarantinedSeen) return;
    quarantinedSeen = count;
    sync.listQuarantine(50).then((quarantine) => { if (!disposed) cell.update({ quarantine }); }, () => undefined);
  };
  refreshQuarantine(initial.quarantinedCount);

  const stops = [
    engine.status.subscribe((status) => {
      cell.update({ status, cachedRows: countRows(status) });
      refreshQuarantine(status.quarantinedCount);
    }),
    engine.log.subscribe((entry) => {
      cell.update({ log: [entry, ...cell.get().log].slice(0, INSPECTOR_LOG_SIZE) });
    }),
  ];

  const act = async (busy: 'force-sync' | 'clear-cache', run: () => Promise<string>): Promise<void> => {
    cell.update({ busy, notice: null });
    try {
      const notice = await run();
      if (!disposed) cell.update({ busy: null, notice });
    } catch (e) {
      if (!disposed) cell.update({ busy: null, notice: e instanceof Error ? e.message : String(e) });
    }
  };

  return {
    get: cell.get,
    subscribe: cell.subscribe,
    forceSync: () => act('force-sync', async () => {
      await engine.forceSync();
      return 'Sync finished';
    }),
    clearCache: () => act('clear-cache', async () => {
      const removed = await engine.clearCache();
      const total = Object.values(removed).reduce((a, b) => a + b, 0);
      return `Removed ${total} cached row${total === 1 ? '' : 's'}`;
    }),
    dispose() {
      disposed = true;
      for (const stop of stops) stop();
    },
  };
}

function countRows(status: EngineStatus): number {
  return Object.values(status.cache.rows).reduce((a, b) => a + b, 0);
}
