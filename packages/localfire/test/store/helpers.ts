import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeSqliteDriver } from '../../src/adapters/node-sqlite/index.js';
import { createLocalStore } from '../../src/index.js';
import type { CollectionDef, LocalStore, SqliteDriver } from '../../src/index.js';
import { lists, todos } from '../fixtures/todo.js';

/** A deterministic clock: starts at `start`, advances by `step` ms per call unless set. */
export function createTestClock(start = Date.UTC(2026, 0, 1), step = 1) {
  let now = start;
  const clock = () => {
    const t = now;
    now += step;
    return t;
  };
  return Object.assign(clock, {
    set(t: number) {
      now = t;
    },
  });
}

export function createTestIds(prefix = 'id') {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(4, '0')}`;
}

export interface TestStore {
  readonly store: LocalStore;
  readonly driver: SqliteDriver;
  readonly clock: ReturnType<typeof createTestClock>;
}

export async function openStore(
  options: { filename?: string; collections?: readonly CollectionDef<any>[]; wrap?: (driver: SqliteDriver) => SqliteDriver } = {},
): Promise<TestStore> {
  const base = createNodeSqliteDriver({ filename: options.filename ?? ':memory:' });
  const driver = options.wrap ? options.wrap(base) : base;
  const clock = createTestClock();
  const store = await createLocalStore({ driver, collections: options.collections ?? [todos, lists], clock, newId: createTestIds() });
  return { store, driver, clock };
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'localfire-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves after pending microtasks and queued store work have run. */
export async function settle(store: LocalStore): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await store.sync.nextWakeAt(0);
    await new Promise((r) => setTimeout(r, 0));
  }
}

export function todoInput(overrides: Partial<{ id: string; listId: string; title: string; done: boolean; position: number; dueAt: Date; tags: string[]; notes: Record<string, unknown> }> = {}) {
  return { listId: 'l1', title: 'buy milk', done: false, position: 1, tags: [] as string[], ...overrides };
}

/** Wraps a driver, counting the SELECTs whose SQL contains `needle`. */
export function countingDriver(driver: SqliteDriver, needle: string): { driver: SqliteDriver; count: () => number } {
  let n = 0;
  const seen = (sql: string) => {
    if (sql.startsWith('SELECT') && sql.includes(needle)) n++;
  };
  const wrapped: SqliteDriver = {
    description: driver.description,
    exec: (sql) => driver.exec(sql),
    run: (sql, params) => driver.run(sql, params),
    all: (sql, params) => {
      seen(sql);
      return driver.all(sql, params);
    },
    close: () => driver.close(),
  };
  if (driver.values) {
    const values = driver.values.bind(driver);
    wrapped.values = (sql, params) => {
      seen(sql);
      return values(sql, params);
    };
  }
  return { driver: wrapped, count: () => n };
}
