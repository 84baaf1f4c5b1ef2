// The browser driver in real Chromium: the driver contract, OPFS persistence across a reload,
// and Web Locks leadership between two tabs of one user.
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleanup, launchBrowser, serve, type LaunchedBrowser, type Served } from '../../../../test-support/browser.js';
import { driverContractCases } from '../../src/testing/driver-contract.js';
import { API_KEY, type BrowserTestApi, type LeadView } from './page-api.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const cleanup = createCleanup();
let served: Served;
let browser: LaunchedBrowser;

beforeAll(async () => {
  served = cleanup.add(await serve(root));
  browser = cleanup.add(await launchBrowser());
}, 60_000);

afterAll(() => cleanup.run());

async function openPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e));
  await page.goto(served.url);
  await page.waitForFunction((key) => key in window, API_KEY);
  return page;
}

/** Calls the page's test API (see page-api.ts). */
function call<K extends keyof BrowserTestApi>(page: Page, method: K, ...args: Parameters<BrowserTestApi[K]>): Promise<Awaited<ReturnType<BrowserTestApi[K]>>> {
  return page.evaluate(
    ([key, name, rest]) => {
      const api = (window as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[key]!;
      return api[name]!(...rest);
    },
    [API_KEY, method, args] as const,
  ) as Promise<Awaited<ReturnType<BrowserTestApi[K]>>>;
}

async function waitForLead(page: Page, done: (view: LeadView) => boolean): Promise<LeadView> {
  for (;;) {
    const view = await call(page, 'leadView');
    if (done(view) || view.error !== undefined) return view;
    await page.waitForTimeout(25);
  }
}

describe('localfire/browser in Chromium', () => {
  it('passes the driver contract cases, the browser driver cases and the local store cases', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      const results = await call(page, 'runDriverContract');
      const failures = results.filter((r) => !r.ok);
      expect(failures).toEqual([]);
      const ran = results.map((r) => r.name);
      expect(ran).toEqual(expect.arrayContaining(driverContractCases.map((c) => `contract: ${c.name}`)));
      expect(ran.filter((name) => name.startsWith('browser: ')).length).toBeGreaterThan(0);
      expect(ran.filter((name) => name.startsWith('store: ')).length).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('keeps a user database in OPFS across a reload', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      await call(page, 'writeNotes', 'persist-user', ['first', 'second']);
      await page.reload();
      await page.waitForFunction((key) => key in window, API_KEY);
      expect(await call(page, 'readNotes', 'persist-user')).toEqual(['first', 'second']);
      expect(await call(page, 'readNotes', 'someone-else')).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('lets one tab per user lead; a follower takes over when the leader tab closes', async () => {
    const context = await browser.newContext();
    try {
      const first = await openPage(context);
      const second = await openPage(context);
      expect(await call(first, 'lead', 'shared-user', 'tab-1')).toBe('leader');
      expect(await call(second, 'lead', 'shared-user', 'tab-2')).toBe('follower');
      const led = await waitForLead(first, (v) => v.rows.length > 0);
      expect(led).toEqual({ state: 'leader', rows: ['tab-1'] });
      expect(await call(second, 'leadView')).toEqual({ state: 'follower', rows: [] });

      await first.close();
      const tookOver = await waitForLead(second, (v) => v.rows.length > 0);
      expect(tookOver).toEqual({ state: 'leader', rows: ['tab-1', 'tab-2'] });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('hands leadership to a waiting tab when the leader releases it; a released follower never leads', async () => {
    const context = await browser.newContext();
    try {
      const [first, second, third] = [await openPage(context), await openPage(context), await openPage(context)];
      expect(await call(first, 'lead', 'handover-user', 'tab-1')).toBe('leader');
      expect(await call(second, 'lead', 'handover-user', 'tab-2')).toBe('follower');
      expect(await call(third, 'lead', 'handover-user', 'tab-3')).toBe('follower');
      await waitForLead(first, (v) => v.rows.length > 0);

      expect(await call(third, 'releaseLead')).toBe('rejected');
      expect(await call(first, 'releaseLead')).toBe('rejected');
      expect((await call(first, 'leadView')).state).toBe('released');
      expect(await waitForLead(second, (v) => v.rows.length > 0)).toEqual({ state: 'leader', rows: ['tab-1', 'tab-2'] });
      expect(await call(third, 'leadView')).toEqual({ state: 'released', rows: [], error: 'leadership was released' });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('lets tabs of different users lead at the same time', async () => {
    const context = await browser.newContext();
    try {
      const first = await openPage(context);
      const second = await openPage(context);
      expect(await call(first, 'lead', 'user-a', 'a')).toBe('leader');
      expect(await call(second, 'lead', 'user-b', 'b')).toBe('leader');
      expect(await waitForLead(second, (v) => v.rows.length > 0)).toEqual({ state: 'leader', rows: ['b'] });
    } finally {
      await context.close();
    }
  }, 60_000);
});
