// The browser test rig: Debian's Chromium driven by playwright-core, pages served by Vite on
// 127.0.0.1. Reused by the library's browser tests and the app's end-to-end tests.
// Never `npx playwright install`: the system Chromium is used.
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { createServer, defaultClientConditions, type InlineConfig, type ViteDevServer } from 'vite';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

export interface LaunchedBrowser {
  readonly browser: Browser;
  /** A fresh, isolated context (its own storage, OPFS and locks): one per simulated device. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Closes every context and the browser. Idempotent; never throws. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium. Playwright gives each launch a fresh temporary user data dir
 * and deletes it on close, so no state leaks between tests.
 */
export async function launchBrowser(options: { readonly args?: readonly string[] } = {}): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
  let closing: Promise<void> | undefined;
  return {
    browser,
    newContext: (contextOptions) => browser.newContext(contextOptions),
    close() {
      closing ??= browser.close().catch(() => undefined);
      return closing;
    },
  };
}

export interface ServeOptions {
  /** A Vite config file, e.g. the app's; default none (plain dev server on `root`). */
  readonly configFile?: string | false;
  /** Extra Vite config merged in. */
  readonly vite?: InlineConfig;
}

export interface Served {
  /** `http://127.0.0.1:<port>/`: a secure context, so OPFS and Web Locks work. */
  readonly url: string;
  readonly server: ViteDevServer;
  /** Stops the server. Idempotent; never throws. */
  close(): Promise<void>;
}

/**
 * Serves `root` with Vite's dev server on 127.0.0.1 and a free port. Packages resolve to
 * their TypeScript sources (`localfire-source` condition); dependency pre-bundling is off, so
 * no mid-test reloads.
 */
export async function serve(root: string, options: ServeOptions = {}): Promise<Served> {
  const server = await createServer({
    root,
    configFile: options.configFile ?? false,
    logLevel: 'warn',
    clearScreen: false,
    resolve: { conditions: ['localfire-source', ...defaultClientConditions] },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [], exclude: ['@sqlite.org/sqlite-wasm'] },
    ...options.vite,
  });
  try {
    await server.listen();
  } catch (e) {
    await server.close().catch(() => undefined);
    throw e;
  }
  const address = server.httpServer?.address();
  if (address === null || address === undefined || typeof address === 'string') {
    await server.close().catch(() => undefined);
    throw new Error('Vite did not report a TCP address');
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    server,
    close() {
      closing ??= server.close().catch(() => undefined);
      return closing;
    },
  };
}

/** Collects what a test starts and closes all of it, newest first, even after a failure. */
export interface Cleanup {
  add<T extends { close(): Promise<void> }>(resource: T): T;
  run(): Promise<void>;
}

export function createCleanup(): Cleanup {
  const resources: { close(): Promise<void> }[] = [];
  return {
    add(resource) {
      resources.push(resource);
      return resource;
    },
    async run() {
      while (resources.length > 0) await resources.pop()?.close().catch(() => undefined);
    },
  };
}
