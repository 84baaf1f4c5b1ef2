// The browser test rig: Debian's Chromium driven by playwright-core, pages served by Vite on
// 127.0.0.1. Reused by the library's browser tests and the app's end-to-end tests.
// Never `npx playwright install`: the system Chromium is used.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A browser with one persistent context on its own on-disk profile (see {@link launchProfileContext}). */
export interface ProfileContext {
  readonly context: BrowserContext;
  /** Closes the browser and deletes the profile. Idempotent; never throws. */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium on a fresh on-disk profile, as a person's browser runs: OPFS and
 * IndexedDB live on disk. The contexts of {@link launchBrowser} are off the record, so their
 * storage lives in the browser process's memory and every OPFS write of the SQLite worker is
 * an IPC to it (a chat send's COMMIT took ~2.7 ms there against ~1 ms on a profile). The
 * benchmarks measure on a profile; tests may use either.
 */
export async function launchProfileContext(options: BrowserContextOptions = {}): Promise<ProfileContext> {
  const profile = await mkdtemp(join(tmpdir(), 'localfire-profile-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { ...options, executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    close() {
      closing ??= context.close().catch(() => undefined).then(() => rm(profile, { recursive: true, force: true }));
      return closing;
    },
  };
}

export interface ServeOptions {
  /** A Vite config file, e.g. the app's; default none (plain dev server on `root`). */
  readonly configFile?: string | false;
  /**
   * Dependencies to pre-bundle at start (CommonJS ones such as `react`, `react-dom/client`).
   * Default none: the sources and ESM dependencies are served as they are.
   */
  readonly prebundle?: readonly string[];
  /** Extra Vite config, applied last. */
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
  // A private cache dir: parallel runs never share or race on pre-bundled deps.
  const cacheDir = await mkdtemp(join(tmpdir(), 'localfire-vite-'));
  const removeCache = (): Promise<void> => rm(cacheDir, { recursive: true, force: true });
  let server: ViteDevServer | undefined;
  try {
    server = await createServer({
      root,
      cacheDir,
      configFile: options.configFile ?? false,
      logLevel: 'warn',
      clearScreen: false,
      resolve: { conditions: ['localfire-source', ...defaultClientConditions] },
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
      optimizeDeps: { noDiscovery: true, include: [...(options.prebundle ?? [])], exclude: ['@sqlite.org/sqlite-wasm'] },
      ...options.vite,
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (address === null || address === undefined || typeof address === 'string') throw new Error('Vite did not report a TCP address');
    const running = server;
    let closing: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${address.port}/`,
      server: running,
      close() {
        closing ??= running.close().catch(() => undefined).then(removeCache);
        return closing;
      },
    };
  } catch (e) {
    await server?.close().catch(() => undefined);
    await removeCache();
    throw e;
  }
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
