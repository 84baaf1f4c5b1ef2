// The hooks under react-dom/server: the first render, before any subscription, shows the
// loading state (undefined or `initial`) and the status snapshot as it is.
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { useLiveQuery, useLiveQueryState, useObservable, useSyncStatus } from '../../src/react/index.js';
import type { ObservableLike } from '../../src/react/index.js';
import type { SyncEngine } from '../../src/sync/engine.js';
import { createStatusCell, type EngineStatus } from '../../src/sync/status.js';
import { createFakeLiveQuery } from './fake-live-query.js';

function render(hook: () => unknown): unknown {
  let seen: unknown = 'not rendered';
  const Probe = (): null => {
    seen = hook();
    return null;
  };
  renderToString(createElement(Probe));
  return seen;
}

function cell<S>(value: S): ObservableLike<S> {
  return { get: () => value, subscribe: () => () => undefined };
}

describe('useLiveQuery on the first render', () => {
  it('returns undefined before the first emission', () => {
    const query = createFakeLiveQuery<string[]>();
    expect(render(() => useLiveQuery(query))).toBeUndefined();
  });

  it('returns the initial value when given one', () => {
    const query = createFakeLiveQuery<string[]>();
    expect(render(() => useLiveQuery(query, [], { initial: ['cached'] }))).toEqual(['cached']);
  });

  it('calls a factory once per render with its deps and reports loading', () => {
    const query = createFakeLiveQuery<number>();
    let made = 0;
    const state = render(() => useLiveQueryState(() => { made++; return query; }, ['conversation-1']));
    expect(state).toEqual({ status: 'loading', value: undefined });
    expect(made).toBe(1);
  });
});

describe('useSyncStatus / useObservable', () => {
  const status = { online: true, pendingCount: 3 };

  it('reads a get() snapshot', () => {
    expect(render(() => useSyncStatus(cell(status)))).toBe(status);
  });

  it('reads the status of an engine-like object', () => {
    expect(render(() => useSyncStatus({ status: cell(status) }))).toBe(status);
  });

  it('reads the sync engine status (typed EngineStatus) after a change', () => {
    const cell = createStatusCell();
    cell.update({ online: true, pendingCount: 2 });
    const engine: Pick<SyncEngine, 'status'> = { status: cell };
    const seen = render(() => {
      const s: EngineStatus = useSyncStatus(engine);
      return s;
    }) as EngineStatus;
    expect(seen).toBe(cell.get());
    expect([seen.online, seen.pendingCount]).toEqual([true, 2]);
  });

  it('reads a `current` snapshot', () => {
    expect(render(() => useObservable({ current: 'leader', subscribe: () => () => undefined }))).toBe('leader');
  });
});
