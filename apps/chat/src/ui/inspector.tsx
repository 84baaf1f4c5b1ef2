import type { SyncLogEntry } from 'localfire';
import type { ChatServices } from '../platform/session.js';
import { createSyncInspectorViewModel, INSPECTOR_LOG_SIZE, inspectorRows } from '../view-models/index.js';
import { formatBytes, formatClock } from './format.js';
import { useViewModel, useViewState } from './use-view-model.js';

/** The sync inspector: status, cache, quarantine, the recent log, and the two actions. */
export function Inspector({ services, onClose }: { readonly services: ChatServices; readonly onClose: () => void }) {
  const vm = useViewModel(() => createSyncInspectorViewModel({ engine: services.engine, sync: services.store.sync }), [services]);
  const { status, cachedRows, quarantine, log, busy, notice } = useViewState(vm);
  const rows = inspectorRows(status, (ms) => formatClock(new Date(ms)));
  return (
    <aside className="inspector" aria-label="Sync inspector" data-testid="inspector">
      <header className="inspector-header">
        <h2>Sync inspector</h2>
        <button type="button" className="icon-button" aria-label="Close inspector" onClick={onClose}>✕</button>
      </header>
      <div className="inspector-body">
        <section>
          <h3>Sync status</h3>
          <dl className="stats">
            {rows.map(([label, value, id]) => (
              <div key={id} className="stat"><dt>{label}</dt><dd data-testid={`inspector-${id}`}>{value}</dd></div>
            ))}
          </dl>
        </section>
        <section>
          <h3>Cache</h3>
          <dl className="stats">
            <div className="stat"><dt>Rows cached</dt><dd data-testid="inspector-cache-count">{cachedRows}</dd></div>
            <div className="stat"><dt>Size</dt><dd data-testid="inspector-cache-size">{formatBytes(status.cache.bytes)}</dd></div>
            {Object.entries(status.cache.rows).map(([collection, n]) => (
              <div key={collection} className="stat sub"><dt>{collection}</dt><dd>{n}</dd></div>
            ))}
          </dl>
          <p className="muted small">{services.databaseName}</p>
        </section>
        <section>
          <h3>Last error</h3>
          {status.lastError === null ? <p className="muted">None</p> : (
            <p className="error-text" data-testid="inspector-last-error">
              <strong>{status.lastError.kind}</strong> {status.lastError.message} <span className="muted">({formatClock(new Date(status.lastError.at))})</span>
            </p>
          )}
        </section>
        {status.scopesError !== null && (
          <section>
            <h3>Scopes</h3>
            <p className="error-text" data-testid="inspector-scopes-error">
              <strong>{status.scopesError.kind}</strong> {status.scopesError.message} <span className="muted">({formatClock(new Date(status.scopesError.at))})</span>
            </p>
          </section>
        )}
        {status.suspectTimestamps.count > 0 && (
          <section>
            <h3>Suspect timestamps ({status.suspectTimestamps.count})</h3>
            <ul className="quarantine" data-testid="inspector-suspect-timestamps">
              {status.suspectTimestamps.recent.map((s) => <li key={`${s.path}@${s.committedAt}`}><code>{s.path}</code> <span className="muted">updatedAt {formatSkew(s.skewMs)} its commit</span></li>)}
            </ul>
          </section>
        )}
        <section>
          <h3>Quarantined documents ({status.quarantinedCount})</h3>
          {quarantine.length === 0 ? <p className="muted">None</p> : (
            <ul className="quarantine">
              {quarantine.map((q) => <li key={`${q.collection}/${q.path}`}><code>{q.path}</code> <span className="muted">{q.reason}</span></li>)}
            </ul>
          )}
        </section>
        <div className="inspector-actions">
          <button type="button" className="button" disabled={busy !== null || !status.running} onClick={() => { void vm.forceSync(); }} data-testid="force-sync">
            {busy === 'force-sync' ? 'Syncing…' : 'Force sync'}
          </button>
          <button type="button" className="button button-secondary" disabled={busy !== null} onClick={() => { void vm.clearCache(); }} data-testid="clear-cache">
            {busy === 'clear-cache' ? 'Clearing…' : 'Clear cache'}
          </button>
        </div>
        {notice !== null && <p className="muted small" data-testid="inspector-notice">{notice}</p>}
        <section>
          <h3>Sync log <span className="muted">(last {INSPECTOR_LOG_SIZE})</span></h3>
          <ol className="sync-log" data-testid="sync-log">
            {log.map((entry) => (
              <li key={entry.seq} className={`log-${entry.type}`}>
                <time>{formatClock(new Date(entry.at))}</time>
                <span className="log-type">{entry.type}</span>
                <span className="log-detail">{describe(entry)}</span>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </aside>
  );
}

/** `3 min ahead of` / `2 h behind` a commit. */
function formatSkew(skewMs: number): string {
  const minutes = Math.abs(skewMs) / 60_000;
  const size = minutes >= 90 ? `${(minutes / 60).toFixed(1)} h` : `${minutes.toFixed(minutes < 10 ? 1 : 0)} min`;
  return `${size} ${skewMs > 0 ? 'ahead of' : 'behind'}`;
}

function describe(entry: SyncLogEntry): string {
  switch (entry.type) {
    case 'sync-started': return `${entry.direction} ${entry.count}${entry.scope === undefined ? '' : ` · ${entry.scope}`}`;
    case 'sync-succeeded': return `${entry.direction} ${entry.count} in ${entry.durationMs.toFixed(0)} ms${entry.scope === undefined ? '' : ` · ${entry.scope}`}`;
    case 'sync-failed': return `${entry.direction} ${entry.count}: ${entry.error.kind} ${entry.error.message}`;
    case 'retry-scheduled': return `${entry.path} retry #${entry.failures} in ${Math.round(entry.delayMs)} ms`;
    case 'write-failed': return `${entry.path}: ${entry.error.kind}`;
    case 'write-superseded': return `${entry.path}: replaced by a later write`;
    case 'write-retried':
    case 'write-discarded': return `${entry.collection}/${entry.id} (${entry.count})`;
    case 'conflict-detected': return `${entry.collection}/${entry.id}.${entry.field} (${entry.policy}) → ${entry.resolution}`;
    case 'quarantined': return `${entry.path}: ${entry.reason}`;
    case 'suspect-timestamp': return `${entry.path}: updatedAt ${formatSkew(entry.skewMs)} its commit`;
    case 'scope-reconciled': return `${entry.removed} left ${entry.scope} while away`;
    case 'cache-evicted': return `${entry.count} ${entry.collection}`;
    case 'online':
    case 'offline': return '';
    case 'subscription-opened': return `${entry.scope}${entry.resumed ? ' (resumed)' : ''}`;
    case 'subscription-closed': return entry.scope;
    case 'stalled': return `${entry.path ?? entry.collection}: ${entry.action} #${entry.attempts}`;
    case 'subscription-failed': return `${entry.scope}: ${entry.error.kind}`;
    case 'scopes-failed': return `${entry.error.kind} ${entry.error.message}`;
    case 'connection': return entry.reason === undefined ? entry.state : `${entry.state} (${entry.reason})`;
  }
}
