import type { EngineStatus } from 'localfire';

/** Online / Offline / Syncing, with what is waiting. */
export function SyncBadge({ status, forcedOffline }: { readonly status: EngineStatus; readonly forcedOffline: boolean }) {
  const state = !status.online ? 'offline' : status.syncing ? 'syncing' : status.failedCount > 0 ? 'failed' : 'online';
  const label = {
    offline: forcedOffline ? 'Offline (switched off)' : 'Offline',
    syncing: 'Syncing…',
    failed: `${status.failedCount} not sent`,
    online: 'Up to date',
  }[state];
  return (
    <span className={`sync-badge sync-${state}`} data-testid="sync-badge" data-state={state}>
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  );
}
