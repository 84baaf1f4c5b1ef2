import { describe, expect, it } from 'vitest';
import { createLiveQueryStore } from '../../src/react/live-query-store.js';
import { createFakeLiveQuery } from './fake-live-query.js';

describe('createLiveQueryStore (what useLiveQuery hands to useSyncExternalStore)', () => {
  it('is loading with undefined, or the initial value, until the first emission', () => {
    const query = createFakeLiveQuery<number[]>();
    expect(createLiveQueryStore(query).getSnapshot()).toEqual({ status: 'loading', value: undefined });
    expect(createLiveQueryStore(query, []).getSnapshot()).toEqual({ status: 'loading', value: [] });
  });

  it('becomes ready with each emission, notifies subscribers, and keeps a stable snapshot between emissions', () => {
    const query = createFakeLiveQuery<string>();
    const store = createLiveQueryStore(query);
    let notified = 0;
    store.subscribe(() => notified++);
    query.emit('a');
    const first = store.getSnapshot();
    expect(first).toEqual({ status: 'ready', value: 'a' });
    expect(store.getSnapshot()).toBe(first);
    query.emit('b');
    expect(store.getSnapshot()).toEqual({ status: 'ready', value: 'b' });
    expect(notified).toBe(2);
  });

  it('shares one query subscription between React subscribers and closes it with the last', () => {
    const query = createFakeLiveQuery<number>();
    const store = createLiveQueryStore(query);
    const stopA = store.subscribe(() => undefined);
    const stopB = store.subscribe(() => undefined);
    expect(query.subscribers).toBe(1);
    stopA();
    expect(query.subscribers).toBe(1);
    stopB();
    expect(query.subscribers).toBe(0);
  });

  it('keeps the last value across an unsubscribe and resubscribe (StrictMode remounts)', () => {
    const query = createFakeLiveQuery<number>();
    const store = createLiveQueryStore(query);
    store.subscribe(() => undefined)();
    const stop = store.subscribe(() => undefined);
    query.emit(7);
    stop();
    expect(store.getSnapshot()).toEqual({ status: 'ready', value: 7 });
    let heard = 0;
    store.subscribe(() => heard++);
    expect(query.subscribers).toBe(1);
    query.emit(8);
    expect(heard).toBe(1);
  });

  it('reports a query error and keeps the last value; nothing is heard after unsubscribe', () => {
    const query = createFakeLiveQuery<number>();
    const store = createLiveQueryStore(query);
    let heard = 0;
    const stop = store.subscribe(() => heard++);
    query.emit(1);
    const boom = new Error('boom');
    query.fail(boom);
    expect(store.getSnapshot()).toEqual({ status: 'error', value: 1, error: boom });
    stop();
    query.emit(2);
    expect(heard).toBe(2);
    expect(store.getSnapshot()).toEqual({ status: 'error', value: 1, error: boom });
  });
});
