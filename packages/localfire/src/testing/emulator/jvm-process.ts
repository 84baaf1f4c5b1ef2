/*
 * One emulator JVM behind its watchdog, in its own process group: spawn, stream its output
 * line by line, wait for readiness, stop (SIGTERM to the group, SIGKILL after a grace period).
 * The group is also killed when this process exits or is interrupted (exit-hooks.ts), and the
 * watchdog kills the JVM if this process dies without running any hook (SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LocalfireError } from '../../errors.js';
import { onProcessExit } from './exit-hooks.js';
import { WATCHDOG_SOURCE } from './watchdog.js';

/** Printed by the emulator once it accepts connections. */
export const READY_LINE = 'Dev App Server is now running';

const OUTPUT_TAIL_LINES = 60;
const STOP_GRACE_MS = 10_000;

export interface JvmProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readyTimeoutMs: number;
  readonly log?: ((line: string) => void) | undefined;
}

export interface JvmProcess {
  /** The JVM's pid (the watchdog's pid is the process group id). */
  readonly jvmPid: number;
  readonly groupId: number;
  /** Resolves when the JVM has exited, whether stopped or crashed. */
  readonly exited: Promise<void>;
  /** Stops the JVM and its watchdog; resolves once the group has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown (kind `internal`) when the JVM exits before it is ready; `details.output` has its tail. */
export function isEarlyExit(e: unknown): e is LocalfireError {
  return e instanceof LocalfireError && e.details['earlyExit'] === true;
}

function killGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (pending + chunk).split(/\r?\n/);
    pending = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
    pending = '';
  });
}

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts the JVM and resolves once it printed {@link READY_LINE}. Rejects with `timeout` when
 * it is not ready within `readyTimeoutMs`, or `internal` (details.earlyExit) when it exits
 * first; both carry the output's tail in the message and in `details.output`. On rejection the
 * process group is already killed.
 */
export async function startJvmProcess(options: JvmProcessOptions): Promise<JvmProcess> {
  const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, JSON.stringify([options.command, ...options.args])], {
    detached: true,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const groupId = child.pid;
  if (groupId === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new LocalfireError('internal', `Could not start the emulator watchdog: ${error.message}`, { cause: error, retryable: false });
  }
  const unregister = onProcessExit(() => killGroup(groupId, 'SIGTERM'));
  const tail: string[] = [];
  let ready = false;
  let onReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (onReady = resolve));
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    options.log?.(line);
    if (!ready && line.includes(READY_LINE)) {
      ready = true;
      onReady();
    }
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);
  let jvmPid: number | undefined;
  const pidReported = new Promise<void>((resolve) =>
    forEachLine(child.stdio[3] as Readable, (line) => {
      jvmPid ??= Number(line);
      resolve();
    }),
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      killGroup(groupId, 'SIGTERM');
      if (!(await waitForExit(child, STOP_GRACE_MS))) {
        killGroup(groupId, 'SIGKILL');
        await waitForExit(child, STOP_GRACE_MS);
      }
      unregister();
    })());

  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.readyTimeoutMs)));
  const outcome = await Promise.race([Promise.all([readyPromise, pidReported]).then(() => 'ready' as const), exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'ready' || jvmPid === undefined) {
    await stop();
    const output = tail.join('\n');
    const command = [options.command, ...options.args].join(' ');
    if (outcome === 'timeout') {
      throw new LocalfireError('timeout', `The Firestore emulator was not ready after ${options.readyTimeoutMs} ms.\nCommand: ${command}\nOutput:\n${output}`, {
        retryable: false,
        details: { output, command },
      });
    }
    throw new LocalfireError('internal', `The Firestore emulator exited before it was ready (code ${child.exitCode ?? child.signalCode}).\nCommand: ${command}\nOutput:\n${output}`, {
      retryable: false,
      details: { output, command, earlyExit: true },
    });
  }
  // A forgotten emulator must not keep this process alive; the exit hooks still stop it.
  child.unref();
  for (const stream of child.stdio) unrefStream(stream);
  return { jvmPid, groupId, exited: exited.then(() => undefined), stop };
}
