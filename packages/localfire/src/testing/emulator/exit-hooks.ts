/*
 * Runs cleanups when this process exits or is interrupted. Signals and `exit` are process-wide,
 * so this is the one place with process-level state: one listener per event however many
 * emulators are running. Cleanups must be synchronous (they run inside `exit`).
 *
 * On SIGINT/SIGTERM/SIGHUP the cleanups run; then, if nobody else listens to that signal,
 * our listener is removed and the signal re-raised, so the process still dies the way it would
 * have without us (exit code 128+n, which is what a shell or test runner expects).
 */

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type HookedSignal = (typeof SIGNALS)[number];

const cleanups = new Set<() => void>();
const signalListeners = new Map<HookedSignal, () => void>();

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away.
    }
  }
}

function onSignal(signal: HookedSignal): void {
  const alone = process.listenerCount(signal) === 1;
  runCleanups();
  if (alone) {
    uninstall();
    process.kill(process.pid, signal);
  }
}

function install(): void {
  process.on('exit', runCleanups);
  for (const signal of SIGNALS) {
    const listener = (): void => onSignal(signal);
    signalListeners.set(signal, listener);
    process.on(signal, listener);
  }
}

function uninstall(): void {
  process.off('exit', runCleanups);
  for (const [signal, listener] of signalListeners) process.off(signal, listener);
  signalListeners.clear();
}

/**
 * Registers a synchronous cleanup run on process exit and on SIGINT/SIGTERM/SIGHUP.
 * Returns a function that unregisters it (listeners are removed with the last cleanup).
 */
export function onProcessExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup)) return;
    if (cleanups.size === 0) uninstall();
  };
}
