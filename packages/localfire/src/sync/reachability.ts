/*
 * Whether the server answers, learnt from what actually happens (a write acknowledged, a
 * subscription current, a pulled batch, a ping answered) and never from a listener's own
 * idea of its connection. When nothing has proved it for `probeIntervalMs`, one `ping()`
 * (on Firestore one billed read) asks.
 *
 *   unknown ──answer──▶ answering ──probe: no answer──▶ silent ──answer──▶ answering
 *      │                    │ unauthenticated                ▲
 *      └────────────────────┴──────────────▶ refused ──answer─┘
 *   reset() (start, network back) ─▶ unknown, probe at once
 *
 * Probes run only while `canProbe()` (running, network up): at once when unknown, at
 * `lastAnswerAt + probeIntervalMs` while answering, `retryMs` after the last probe while
 * silent or refused, and at once after a request failed without an answer.
 */
import { LocalfireError, toLocalfireError } from '../errors.js';
import type { ErrorKind } from '../errors.js';
import { logError } from './log.js';
import type { LoggedError } from './log.js';

export type ServerAnswer =
  | { readonly name: 'unknown'; readonly since: number; readonly lastAnswerAt: number | null }
  | { readonly name: 'answering'; readonly since: number; readonly lastAnswerAt: number }
  | { readonly name: 'silent'; readonly since: number; readonly lastAnswerAt: number | null; readonly error: LoggedError }
  | { readonly name: 'refused'; readonly since: number; readonly lastAnswerAt: number | null; readonly error: LoggedError };

/** What a failed request says about the server. */
export type FailureMeaning = 'answered' | 'no-answer' | 'refused' | 'nothing';

const MEANING: Readonly<Record<ErrorKind, FailureMeaning>> = {
  offline: 'no-answer',
  timeout: 'no-answer',
  unauthenticated: 'refused',
  'permission-denied': 'answered',
  'invalid-data': 'answered',
  'not-found': 'answered',
  conflict: 'answered',
  validation: 'answered',
  precondition: 'answered',
  // A client-side failure (the SDK's own quota errors, internal errors, an abort, a closed
  // client) says nothing either way.
  quota: 'nothing',
  internal: 'nothing',
  aborted: 'nothing',
  closed: 'nothing',
  'invalid-definition': 'nothing',
  'invalid-query': 'nothing',
  'schema-too-new': 'nothing',
};

export const meaningOf = (error: LocalfireError): FailureMeaning => MEANING[error.kind];

export interface ReachabilityOptions {
  readonly clock: () => number;
  /** The remote's ping; without one there are no probes (evidence only). */
  readonly ping?: (options: { readonly signal: AbortSignal }) => Promise<void>;
  readonly probeIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Probes run only while this holds (the engine runs, the network is up). */
  readonly canProbe: () => boolean;
  readonly onChange: (state: ServerAnswer) => void;
}

export interface Reachability {
  readonly state: ServerAnswer;
  /** The server answered something (an ack, a batch, a ping, a refusal by the rules). */
  answered(): void;
  /** A request failed: classified by {@link meaningOf}. */
  failed(error: LocalfireError): void;
  /** Forget what was known and probe at once (start, network back up). */
  reset(): void;
  /** Re-plan the next probe (the network or the engine changed). */
  reschedule(): void;
  stop(): void;
}

export function createReachability(options: ReachabilityOptions): Reachability {
  const { clock } = options;
  let state: ServerAnswer = { name: 'unknown', since: clock(), lastAnswerAt: null };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let probing = false;
  let lastProbeAt: number | null = null;
  let stopped = false;

  const set = (next: ServerAnswer): void => {
    state = next;
    options.onChange(next);
  };

  function answered(): void {
    const now = clock();
    set(state.name === 'answering' ? { ...state, lastAnswerAt: now } : { name: 'answering', since: now, lastAnswerAt: now });
    schedule();
  }

  function noAnswer(error: LocalfireError, since: number): void {
    // Something answered while the request waited: the server is there.
    if (state.lastAnswerAt !== null && state.lastAnswerAt >= since) return;
    if (state.name !== 'silent') set({ name: 'silent', since: clock(), lastAnswerAt: state.lastAnswerAt, error: logError(error) });
  }

  function failed(error: LocalfireError, since = clock()): void {
    switch (meaningOf(error)) {
      case 'answered':
        return answered();
      case 'refused':
        if (state.name !== 'refused') set({ name: 'refused', since: clock(), lastAnswerAt: state.lastAnswerAt, error: logError(error) });
        return schedule();
      case 'no-answer':
        noAnswer(error, since);
        if (!probing) probe();
        return;
      case 'nothing':
        return;
    }
  }

  function schedule(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (stopped || probing || !options.ping || !options.canProbe()) return;
    const now = clock();
    const at = state.name === 'answering'
      ? state.lastAnswerAt + options.probeIntervalMs
      : state.name === 'unknown' || lastProbeAt === null ? now : lastProbeAt + options.pingTimeoutMs;
    timer = setTimeout(() => {
      timer = null;
      probe();
    }, Math.max(0, at - now));
  }

  function probe(): void {
    const ping = options.ping;
    if (stopped || probing || !ping || !options.canProbe()) return;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    probing = true;
    const started = clock();
    lastProbeAt = started;
    const controller = new AbortController();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        const error = new LocalfireError('timeout', `the server did not answer a ping within ${options.pingTimeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, options.pingTimeoutMs);
    });
    Promise.race([ping({ signal: controller.signal }), timedOut])
      .then(
        () => {
          if (!stopped) answered();
        },
        (e: unknown) => {
          if (!stopped) failed(toLocalfireError(e), started);
        },
      )
      .finally(() => {
        clearTimeout(deadline);
        probing = false;
        lastProbeAt = clock();
        schedule();
      })
      .catch(() => undefined);
  }

  return {
    get state() {
      return state;
    },
    answered,
    failed: (error) => failed(error),
    reset() {
      set({ name: 'unknown', since: clock(), lastAnswerAt: state.lastAnswerAt });
      lastProbeAt = null;
      schedule();
    },
    reschedule: schedule,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
