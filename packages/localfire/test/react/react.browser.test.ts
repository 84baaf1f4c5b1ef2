// useLiveQuery and useSyncStatus rendered by react-dom/client (StrictMode) in real Chromium.
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleanup, launchBrowser, serve, type LaunchedBrowser, type Served } from '../../../../test-support/browser.js';
import { REACT_API_KEY, type ReactTestApi } from './client-page-api.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const cleanup = createCleanup();
let served: Served;
let browser: LaunchedBrowser;

beforeAll(async () => {
  served = cleanup.add(await serve(root, { prebundle: ['react', 'react-dom', 'react-dom/client'] }));
  browser = cleanup.add(await launchBrowser());
}, 60_000);

afterAll(() => cleanup.run());

async function openPage(opening: Promise<Page>): Promise<Page> {
  const page = await opening;
  await page.goto(served.url);
  await page.waitForFunction((key) => key in window, REACT_API_KEY);
  return page;
}

function call<K extends keyof ReactTestApi>(page: Page, method: K, ...args: Parameters<ReactTestApi[K]>): Promise<ReturnType<ReactTestApi[K]>> {
  return page.evaluate(
    ([key, name, rest]) => {
      const api = (window as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[key]!;
      return api[name]!(...rest);
    },
    [REACT_API_KEY, method, args] as const,
  ) as Promise<ReturnType<ReactTestApi[K]>>;
}

async function textBecomes(page: Page, expected: string): Promise<string> {
  await page.waitForFunction(
    ([key, want]) => (window as unknown as Record<string, ReactTestApi>)[key]!.text() === want,
    [REACT_API_KEY, expected] as const,
    { timeout: 5000 },
  ).catch(() => undefined);
  return call(page, 'text');
}

describe('localfire/react in Chromium', () => {
  it('renders loading, then each emission and status change; switches queries; an error reaches the boundary', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context.newPage());

      expect(await call(page, 'text')).toBe('c1: loading | pending 0');
      expect(await call(page, 'subscribers')).toEqual({ query: 1, status: 1 });

      await call(page, 'emit', ['hi']);
      expect(await textBecomes(page, 'c1: hi | pending 0')).toBe('c1: hi | pending 0');
      await call(page, 'emit', ['hi', 'there']);
      await call(page, 'setStatus', 2);
      expect(await textBecomes(page, 'c1: hi,there | pending 2')).toBe('c1: hi,there | pending 2');

      await call(page, 'switchTo', 'c2');
      expect(await textBecomes(page, 'c2: loading | pending 2')).toBe('c2: loading | pending 2');
      expect(await call(page, 'subscribers')).toEqual({ query: 1, status: 1 });
      await call(page, 'emit', ['other']);
      expect(await textBecomes(page, 'c2: other | pending 2')).toBe('c2: other | pending 2');

      await call(page, 'fail', 'disk full');
      expect(await textBecomes(page, 'error: disk full')).toBe('error: disk full');
      expect(await call(page, 'subscribers')).toEqual({ query: 0, status: 0 });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('closes its subscriptions when the component unmounts', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context.newPage());
      await call(page, 'emit', ['hi']);
      expect(await textBecomes(page, 'c1: hi | pending 0')).toBe('c1: hi | pending 0');
      await call(page, 'unmount');
      expect(await call(page, 'subscribers')).toEqual({ query: 0, status: 0 });
      expect(await call(page, 'text')).toBe('');
    } finally {
      await context.close();
    }
  }, 60_000);
});
