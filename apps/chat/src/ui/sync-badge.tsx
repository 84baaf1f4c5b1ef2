import type { SyncStatusView } from '../view-models/index.js';

/** The library's one-word judgement of sync (see `EngineStatus.phase`), in the chat's words. */
export function SyncBadge({ view }: { readonly view: SyncStatusView }) {
  return (
    <span className={`sync-badge sync-${view.state}`} data-testid="sync-badge" data-state={view.state}>
      <span className="dot" aria-hidden="true" />
      {view.label}
    </span>
  );
}

/** A banner while something is wrong that the user should know: unreachable, offline, delayed, not sent. */
export function SyncBanner({ view }: { readonly view: SyncStatusView }) {
  if (view.banner === null) return null;
  return (
    <p className={`sync-banner sync-${view.state}`} role="status" data-testid="sync-banner" data-state={view.state}>
      {view.banner}
    </p>
  );
}
