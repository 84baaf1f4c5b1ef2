// The browser driver's Web Worker entry: loads SQLite WASM and answers driver requests.
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { WorkerRequest, WorkerResponse } from './protocol.js';
import { createRequestHandler } from './worker-handler.js';
import { coalesceWrites } from './write-coalescing.js';
import type { SyncHandleLike } from './write-coalescing.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerResponse): void;
}

const scope = globalThis as unknown as WorkerScope;
// Failed statements are reported to the caller as errors; SQLite's own console chatter is noise.
const quiet = (): void => undefined;
(globalThis as { sqlite3ApiConfig?: unknown }).sqlite3ApiConfig = { warn: quiet, log: quiet, debug: quiet };
// One write() per statement instead of two per WAL page (see write-coalescing.ts); flushed
// before every answer, so what the driver acknowledges is in the file.
const handles = (globalThis as { FileSystemSyncAccessHandle?: { prototype: SyncHandleLike } }).FileSystemSyncAccessHandle;
const coalescer = handles === undefined ? undefined : coalesceWrites(handles.prototype);
const handle = createRequestHandler(() => sqlite3InitModule(), undefined, coalescer === undefined ? {} : { afterEach: () => coalescer.flushAll() });

const now = (): number => performance.timeOrigin + performance.now();

scope.onmessage = (event) => {
  const start = now();
  void handle(event.data).then((response) => scope.postMessage({ ...response, timing: [start, now()] }));
};
