import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnectionTracker } from '../../src/adapters/firestore/connection-state.js';

describe('Firestore connection state', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('follows setNetworkEnabled and notifies changes only', () => {
    const tracker = createConnectionTracker({ offlineHintMs: 1000 });
    const heard: string[] = [];
    tracker.subscribe((s) => heard.push(s));
    expect(tracker.state).toBe('online');
    tracker.setNetworkEnabled(true);
    tracker.setNetworkEnabled(false);
    tracker.setNetworkEnabled(false);
    expect(tracker.state).toBe('offline');
    tracker.setNetworkEnabled(true);
    expect(heard).toEqual(['offline', 'online']);
  });

  it('counts a listener stuck on cache as offline only after the hint delay', () => {
    const tracker = createConnectionTracker({ offlineHintMs: 1000 });
    const heard: string[] = [];
    tracker.subscribe((s) => heard.push(s));
    const listener = {};
    tracker.reportReachability(listener, false);
    vi.advanceTimersByTime(999);
    tracker.reportReachability(listener, true);
    vi.advanceTimersByTime(5000);
    expect(heard).toEqual([]);
    tracker.reportReachability(listener, false);
    vi.advanceTimersByTime(1000);
    expect(tracker.state).toBe('offline');
    tracker.reportReachability({}, true);
    expect(tracker.state).toBe('offline');
    tracker.reportReachability(listener, true);
    expect(heard).toEqual(['offline', 'online']);
  });

  it('re-enabling the network forgets stale hints', () => {
    const tracker = createConnectionTracker({ offlineHintMs: 10 });
    tracker.reportReachability({}, false);
    vi.advanceTimersByTime(10);
    expect(tracker.state).toBe('offline');
    tracker.setNetworkEnabled(false);
    tracker.setNetworkEnabled(true);
    expect(tracker.state).toBe('online');
    const unsubscribe = tracker.subscribe(() => {
      throw new Error('listener failure');
    });
    expect(() => tracker.setNetworkEnabled(false)).not.toThrow();
    unsubscribe();
  });
});
