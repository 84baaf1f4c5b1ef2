/*
 * The status's judgement, as pure functions of what the engine knows: the network signals,
 * what the server answered (reachability.ts) and where each listener stands (the pull loop's
 * reports). The engine calls them on every change; nothing here holds state.
 */
import { unreachable } from '../errors.js';
import type { NetworkState } from './network.js';
import type { ScopeReport } from './pull-loop.js';
import type { ServerAnswer } from './reachability.js';
import type { EngineStatus, InitialSyncProgress, OfflineReason, SyncConnection, SyncPhase } from './status.js';

/** Listeners behind with nothing delivered for at least the grace: how many, since when, and when the next one crosses it. */
export interface Lag {
  readonly behindScopes: number;
  /** Local ms the earliest lagging scope fell behind, or null. */
  readonly since: number | null;
  /** Local ms when a scope now behind (but within the grace) would start lagging, or null. */
  readonly nextCheckAt: number | null;
}

const isBehind = (r: ScopeReport): boolean => r.state === 'behind' || r.state === 'opening' || r.state === 'retrying';

export function lagOf(scopes: readonly ScopeReport[], now: number, graceMs: number): Lag {
  let behindScopes = 0;
  let since: number | null = null;
  let nextCheckAt: number | null = null;
  for (const r of scopes) {
    if (!isBehind(r)) continue;
    // A scope that keeps receiving batches is catching up, not lagging.
    const quietSince = Math.max(r.since, r.lastDeliveryAt ?? r.since);
    const crossesAt = quietSince + graceMs;
    if (crossesAt <= now) {
      behindScopes++;
      since = since === null ? r.since : Math.min(since, r.since);
    } else {
      nextCheckAt = nextCheckAt === null ? crossesAt : Math.min(nextCheckAt, crossesAt);
    }
  }
  return { behindScopes, since, nextCheckAt };
}

export interface ConnectionInputs {
  readonly running: boolean;
  /** The platform's signal (the network monitor). */
  readonly platform: NetworkState;
  /** The app's switch (the remote's connection state: offline only while disabled on purpose). */
  readonly networkSwitch: NetworkState;
  readonly server: ServerAnswer;
  readonly scopes: readonly ScopeReport[];
  readonly lag: Lag;
  /** Local ms of the last change of any input, for `since` of a new state. */
  readonly now: number;
  /** The previous connection, so `since` only moves on a change of state. */
  readonly previous: SyncConnection;
}

export function deriveConnection(input: ConnectionInputs): SyncConnection {
  const { server, previous, now } = input;
  const offline = (reason: OfflineReason, lastAnswerAt: number | null): SyncConnection =>
    previous.name === 'offline' && previous.reason === reason ? { ...previous, lastAnswerAt } : { name: 'offline', since: now, reason, lastAnswerAt };
  if (!input.running) return { name: 'stopped' };
  if (input.networkSwitch === 'offline') return offline('network-disabled', server.lastAnswerAt);
  if (input.platform === 'offline') return offline('network-down', server.lastAnswerAt);
  switch (server.name) {
    case 'unknown':
      return previous.name === 'connecting' ? previous : { name: 'connecting', since: now };
    case 'silent':
      return offline('server-unreachable', server.lastAnswerAt);
    case 'refused':
      return offline('signed-out', server.lastAnswerAt);
    case 'answering': {
      if (input.scopes.length > 0 && input.scopes.every((s) => s.state === 'failed' && s.error?.kind === 'permission-denied')) {
        return offline('denied', server.lastAnswerAt);
      }
      const { lag } = input;
      if (lag.behindScopes > 0) return { name: 'degraded', since: lag.since ?? now, lastAnswerAt: server.lastAnswerAt, behindScopes: lag.behindScopes };
      const since = previous.name === 'online' ? previous.since : now;
      return { name: 'online', since, lastAnswerAt: server.lastAnswerAt };
    }
    default:
      return unreachable(server);
  }
}

export function initialSyncOf(scopes: readonly ScopeReport[], declared: boolean): InitialSyncProgress {
  return {
    documentsReceived: scopes.reduce((n, s) => n + s.initialDocuments, 0),
    scopesCurrent: scopes.filter((s) => s.state === 'current').length,
    scopesTotal: scopes.length,
    done: declared && scopes.every((s) => s.initialSyncDone),
  };
}

/**
 * See {@link SyncPhase}. `declared`: the scopes function has emitted a scope set;
 * `countsFresh`: the counters have been read since the outbox last changed.
 */
export function derivePhase(status: Omit<EngineStatus, 'phase'>, scopes: readonly ScopeReport[], declared: boolean, countsFresh: boolean): SyncPhase {
  const { connection } = status;
  switch (connection.name) {
    case 'stopped':
      return 'stopped';
    case 'offline':
      return 'offline';
    case 'connecting':
    case 'online':
    case 'degraded':
      break;
    default:
      return unreachable(connection);
  }
  if (status.failedCount > 0 || status.scopesError !== null || scopes.some((s) => s.state === 'failed')) return 'failed';
  if (connection.name === 'degraded') return 'degraded';
  if (connection.name === 'connecting') return 'connecting';
  const current = declared && scopes.every((s) => s.state === 'current');
  return current && countsFresh && status.pendingCount === 0 && status.pendingEntries === 0 && !status.syncing ? 'up-to-date' : 'syncing';
}
