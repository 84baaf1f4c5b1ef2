// The browser driver's Web Worker entry: loads SQLite WASM and answers driver requests.
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import type { WorkerRequest, WorkerResponse } from './protocol.js';
import { createRequestHandler } from './worker-handler.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerResponse): void;
}

const scope = globalThis as unknown as WorkerScope;
// Failed statements are reported to the caller as errors; SQLite's own console chatter is noise.
const quiet = (): void => undefined;
(globalThis as { sqlite3ApiConfig?: unknown }).sqlite3ApiConfig = { warn: quiet, log: quiet, debug: quiet };
const handle = createRequestHandler(() => sqlite3InitModule());

scope.onmessage = (event) => {
  void handle(event.data).then((response) => scope.postMessage(response));
};
