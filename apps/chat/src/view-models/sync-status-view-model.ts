import type { EngineStatus, LatencyStats, SyncPhase } from 'localfire';

/** What the badge, the banner and the waiting pill show: exactly the library's judgement. */
export interface SyncStatusView {
  /** The library's phase (also the badge's `data-state`). */
  readonly state: SyncPhase;
  readonly label: string;
  /** A sentence for the banner, or null when there is nothing to warn about. */
  readonly banner: string | null;
  /** Messages (rows, not outbox entries) waiting for the server. */
  readonly waitingMessages: number;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The chat's words for the engine's status. "Up to date" only when the library says so. */
export function describeSyncStatus(status: EngineStatus, options: { readonly forcedOffline: boolean; readonly clock?: (ms: number) => string }): SyncStatusView {
  const waitingMessages = status.pendingRows['messages'] ?? 0;
  const at = options.clock ?? ((ms: number) => new Date(ms).toISOString().slice(11, 16));
  const view = (label: string, banner: string | null): SyncStatusView => ({ state: status.phase, label, banner, waitingMessages });
  const { connection } = status;
  switch (status.phase) {
    case 'stopped':
      return view('Not syncing', null);
    case 'offline': {
      const reason = connection.name === 'offline' ? connection.reason : 'network-down';
      switch (reason) {
        case 'network-disabled':
          return view(options.forcedOffline ? 'Offline (switched off)' : 'Offline', null);
        case 'network-down':
          return view('Offline', 'You are offline. Messages are kept on this device and sent when the network is back.');
        case 'server-unreachable':
          return view("Can't reach the server", "Can't reach the server. Messages are kept on this device and sent as soon as it answers.");
        case 'signed-out':
          return view('Signed out', 'The server no longer accepts this sign-in. Switch user and sign in again.');
        case 'denied':
          return view('Access denied', 'The server refuses this account access to its conversations.');
      }
      break;
    }
    case 'failed':
      if (status.failedCount > 0) return view(`${status.failedCount} not sent`, `${plural(status.failedCount, 'change')} could not be sent.`);
      if (status.scopesError !== null) return view('Sync problem', `What to sync could not be worked out: ${status.scopesError.message}`);
      return view('Sync problem', 'Some conversations cannot be kept in step (see the sync inspector).');
    case 'degraded': {
      const since = connection.name === 'degraded' ? ` since ${at(connection.since)}` : '';
      return view('Updates delayed', `Updates from others are delayed${since}. Your messages are still being sent.`);
    }
    case 'connecting':
      return view('Connecting…', null);
    case 'syncing':
      return view('Syncing…', null);
    case 'up-to-date':
      return view('Up to date', null);
  }
  return view('Syncing…', null);
}

const ms = (n: number): string => `${Math.round(n)} ms`;
const latency = (l: LatencyStats | null): string => (l === null ? '—' : `${ms(l.p50)} / ${ms(l.p99)} (${l.samples})`);
const age = (n: number | null): string => (n === null ? '—' : n < 1000 ? ms(n) : `${Math.round(n / 1000)} s`);

/** The inspector's status rows: [label, value, test id]. */
export function inspectorRows(status: EngineStatus, clock: (ms: number) => string): [string, string, string][] {
  const { connection, initialSync } = status;
  const connectionText = connection.name === 'offline' ? `offline (${connection.reason})` : connection.name === 'degraded' ? `degraded (${plural(connection.behindScopes, 'listener')} behind)` : connection.name;
  const failures = Object.entries(status.failuresByReason).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return [
    ['State', status.phase, 'phase'],
    ['Connection', connectionText, 'connection'],
    ['Since', connection.name === 'stopped' ? '—' : clock(connection.since), 'connection-since'],
    ['Last server answer', connection.name === 'stopped' || connection.name === 'connecting' || connection.lastAnswerAt === null ? '—' : clock(connection.lastAnswerAt), 'last-answer'],
    ['Online', status.online ? 'Yes' : 'No', 'online'],
    ['Syncing', status.syncing ? 'Yes' : 'No', 'syncing'],
    ['Pending', String(status.pendingCount), 'pending'],
    ['Pending writes', String(status.pendingEntries), 'pending-entries'],
    ['Oldest pending', age(status.oldestPendingAgeMs), 'oldest-pending'],
    ['Failed', failures === '' ? String(status.failedCount) : `${status.failedCount} (${failures})`, 'failed'],
    ['Push p50 / p99', latency(status.latency.push), 'push-latency'],
    ['Pull p50 / p99', latency(status.latency.pull), 'pull-latency'],
    ['Initial sync', `${initialSync.scopesCurrent}/${initialSync.scopesTotal} current, ${plural(initialSync.documentsReceived, 'document')}${initialSync.done ? '' : ' (in progress)'}`, 'initial-sync'],
    ['Subscriptions', String(status.subscriptions), 'subscriptions'],
    ['Last synced', status.lastSyncedAt === null ? '—' : clock(status.lastSyncedAt), 'last-synced'],
  ];
}
