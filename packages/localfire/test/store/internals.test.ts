// Small pure pieces of the store: structural equality, the mutex, column codecs.
import { describe, expect, it } from 'vitest';
import { fromOutboxJson, fromSql, toOutboxJson, toSql } from '../../src/store/columns.js';
import { deepEqual } from '../../src/store/deep-equal.js';
import { MAX_TURNS_AHEAD, createMutex } from '../../src/store/mutex.js';

describe('deepEqual', () => {
  it('compares dates by time, arrays and objects deeply, maps and sets by content', () => {
    expect(deepEqual(new Date(1), new Date(1))).toBe(true);
    expect(deepEqual(new Date(1), new Date(2))).toBe(false);
    expect(deepEqual(new Date(1), 1)).toBe(false);
    expect(deepEqual([1, { a: [new Date(3)] }], [1, { a: [new Date(3)] }])).toBe(true);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(deepEqual(new Map([['a', { x: 1 }]]), new Map([['a', { x: 1 }]]))).toBe(true);
    expect(deepEqual(new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false);
    expect(deepEqual(new Map([['a', 1]]), new Map([['b', 1]]))).toBe(false);
    expect(deepEqual(new Map(), new Map([['b', 1]]))).toBe(false);
    expect(deepEqual(new Set(['a']), new Set(['a']))).toBe(true);
    expect(deepEqual(new Set(['a']), new Set(['b']))).toBe(false);
    expect(deepEqual(new Map(), {})).toBe(false);
    expect(deepEqual(NaN, NaN)).toBe(true);
    expect(deepEqual(null, {})).toBe(false);
  });
});

describe('mutex', () => {
  it('runs callers one at a time in call order, and survives a failing one', async () => {
    const mutex = createMutex();
    const log: string[] = [];
    const task = (name: string, ms: number) =>
      mutex.run(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        return name;
      });
    const failing = mutex.run(() => Promise.reject(new Error('x')));
    const results = await Promise.all([task('a', 5), failing.catch(() => 'failed'), task('b', 0)]);
    expect(results).toEqual(['a', 'failed', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(mutex.locked).toBe(false);
  });

  it('starts a caller at once when free, queues it while held, and turns a synchronous throw into a rejection', async () => {
    const mutex = createMutex();
    const log: string[] = [];
    const first = mutex.run(async () => {
      log.push('first');
      await new Promise((r) => setTimeout(r, 1));
    });
    const second = mutex.run(() => {
      log.push('second');
      return Promise.resolve();
    });
    expect(log).toEqual(['first']);
    await Promise.all([first, second]);
    expect(log).toEqual(['first', 'second']);
    const thrown = mutex.run(() => {
      throw new Error('sync');
    });
    await expect(thrown).rejects.toThrow('sync');
    expect(mutex.locked).toBe(false);
    await expect(mutex.run(() => Promise.resolve('after'))).resolves.toBe('after');
  });

  it('lets waiting app operations go first, then live re-runs, then sync work, each lane in call order', async () => {
    const mutex = createMutex();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const holder = mutex.run(() => new Promise<void>((r) => (release = r)), 'sync');
    const queued = [
      mutex.run(() => Promise.resolve(void log.push('sync 1')), 'sync'),
      mutex.run(() => Promise.resolve(void log.push('live 1')), 'live'),
      mutex.run(() => Promise.resolve(void log.push('app 1'))),
      mutex.run(() => Promise.resolve(void log.push('sync 2')), 'sync'),
      mutex.run(() => Promise.resolve(void log.push('live 2')), 'live'),
      mutex.run(() => Promise.resolve(void log.push('app 2')), 'app'),
    ];
    release();
    await Promise.all([holder, ...queued]);
    expect(log).toEqual(['app 1', 'app 2', 'live 1', 'live 2', 'sync 1', 'sync 2']);
    expect(mutex.locked).toBe(false);
  });

  it('never starves a lane: sync work gets a turn after a run of app operations went ahead of it', async () => {
    const mutex = createMutex();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const holder = mutex.run(() => new Promise<void>((r) => (release = r)));
    const sync = mutex.run(() => Promise.resolve(void log.push('sync')), 'sync');
    // Every app operation queues another one, so the app lane is never empty.
    let appRuns = 0;
    const app = (): Promise<void> =>
      mutex.run(() => {
        log.push('app');
        if (++appRuns < MAX_TURNS_AHEAD * 2) void app();
        return Promise.resolve();
      });
    void app();
    release();
    await holder;
    await sync;
    expect(log.indexOf('sync')).toBe(MAX_TURNS_AHEAD);
    await new Promise((r) => setTimeout(r, 0));
    expect(appRuns).toBe(MAX_TURNS_AHEAD * 2);
  });
});

describe('column codecs', () => {
  it('round-trips every kind through SQL and outbox JSON', () => {
    const cases = [
      ['string', 's'],
      ['number', 1.5],
      ['integer', 3],
      ['boolean', true],
      ['boolean', false],
      ['date', new Date(99)],
      ['json', { a: [1, null] }],
      ['set', ['x', 'y']],
    ] as const;
    for (const [kind, value] of cases) {
      expect(fromSql(kind, toSql(kind, value))).toEqual(value);
      expect(fromOutboxJson(kind, JSON.parse(JSON.stringify(toOutboxJson(kind, value))))).toEqual(value);
    }
    expect(toSql('date', 5)).toBe(5);
    expect(toSql('string', undefined)).toBeNull();
    expect(fromSql('date', null)).toBeUndefined();
    expect(toOutboxJson('date', null)).toBeUndefined();
    expect(fromOutboxJson('date', undefined)).toBeUndefined();
  });
});
