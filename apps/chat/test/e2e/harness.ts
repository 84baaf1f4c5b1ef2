// The end-to-end rig: the chat app served by Vite (one server per test file), headless
// Chromium (one browser per file, one context per simulated device), and a fresh, seeded
// project on the run's Firestore emulator for every test.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createCleanup, launchBrowser, serve } from '../../../../test-support/browser.js';
import type { LaunchedBrowser, Served } from '../../../../test-support/browser.js';
import { clearProject, emulatorHost, uniqueProjectId } from '../../../../test-support/firestore.js';
import { connectOwnerFirestore, seedDemo } from '../../scripts/seed-demo.js';

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots and other artifacts (gitignored). */
export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

export interface AppRig {
  readonly served: Served;
  readonly browser: LaunchedBrowser;
  /** A fresh project, seeded with the demo data. */
  seededProject(label: string): Promise<string>;
  /** A new browser context: one device. */
  device(): Promise<BrowserContext>;
  /** Opens the app as `userId` in `context` (optionally on a conversation) and waits for the list. */
  open(context: BrowserContext, options: OpenOptions): Promise<Page>;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly projectId: string;
  readonly userId: string;
  readonly conversationId?: string;
  /** What to wait for; default the conversation list. */
  readonly waitFor?: string;
}

export async function startAppRig(): Promise<AppRig> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const cleanup = createCleanup();
  const projects: string[] = [];
  try {
    const served = cleanup.add(await serve(APP_ROOT, { configFile: fileURLToPath(new URL('vite.config.ts', `file://${APP_ROOT}`)) }));
    const browser = cleanup.add(await launchBrowser());
    return {
      served,
      browser,
      async seededProject(label) {
        const projectId = uniqueProjectId(label);
        projects.push(projectId);
        const owner = connectOwnerFirestore(emulatorHost(), projectId);
        try {
          await seedDemo(owner.firestore);
        } finally {
          await owner.close();
        }
        return projectId;
      },
      device: () => browser.newContext({ viewport: { width: 1200, height: 760 } }),
      async open(context, options) {
        const page = await context.newPage();
        page.on('pageerror', (e) => console.error(`[${options.userId} page error]`, e));
        await page.goto(appUrl(served.url, options));
        await page.waitForSelector(options.waitFor ?? '[data-testid=conversation-item]', { timeout: 30_000 });
        return page;
      },
      async close() {
        await cleanup.run();
        await Promise.all(projects.map((p) => clearProject(p).catch(() => undefined)));
      },
    };
  } catch (e) {
    await cleanup.run();
    throw e;
  }
}

export function appUrl(base: string, options: OpenOptions): string {
  const url = new URL(base);
  url.searchParams.set('user', options.userId);
  url.searchParams.set('project', options.projectId);
  url.searchParams.set('emulator', emulatorHost());
  if (options.conversationId !== undefined) url.hash = `c=${encodeURIComponent(options.conversationId)}`;
  return url.toString();
}

/** The texts of the open chat's messages, oldest first. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.locator('[data-testid=message] [data-testid=message-text]').allTextContents();
}

/** The status of the (last) message of mine with this text. */
export function statusOf(page: Page, text: string): Promise<string | null> {
  return page.locator('[data-testid=message][data-mine=true]', { hasText: text }).last().getAttribute('data-status');
}

/** Types and sends a message in the open chat. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill('[data-testid=composer-input]', text);
  await page.click('[data-testid=send-button]');
}

/** Polls `read` until `done` holds (Playwright-free, so any async read works). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) expect.fail(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  return last;
}

/**
 * Records, in the page, every status the message with `text` takes (from its first render),
 * so a transient status such as `sending` cannot be missed. Read it back with {@link recordedStatuses}.
 */
export async function recordStatuses(page: Page, text: string): Promise<void> {
  await page.evaluate((wanted) => {
    const seen: string[] = [];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    const push = (status: string | null): void => {
      if (status !== null && seen[seen.length - 1] !== status) seen.push(status);
    };
    const isWanted = (node: Node): node is Element =>
      node instanceof Element && node.matches('[data-testid=message][data-mine=true]') && node.querySelector('[data-testid=message-text]')?.textContent === wanted;
    // Attribute records carry each old value (the first one is the status the message was
    // added with), so a status replaced before the callback ran is not lost; the current value
    // comes last.
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes' && isWanted(record.target)) push(record.oldValue);
      }
      for (const el of document.querySelectorAll('[data-testid=message][data-mine=true]')) if (isWanted(el)) push(el.getAttribute('data-status'));
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-status'] });
  }, text);
}

export function recordedStatuses(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
}
