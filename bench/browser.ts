/*
 * Browser rows, in headless Chromium (Debian's chromium through playwright-core) on a fresh
 * on-disk profile (storage on disk as for a person; Playwright's default contexts keep it in
 * memory, see test-support/browser.ts), against a Firestore emulator started here with the
 * chat rules:
 * - browser-read-1000: the chat view's query for 1000 messages through the SQLite WASM driver
 *   (MessageRepository.getMessages in a page), vs the same query on the Firestore SDK's own
 *   persistent cache (`persistentLocalCache`, `getDocsFromCache`, mapped to plain objects) in
 *   the same page. Timed inside the page; subject and baseline alternate.
 * - browser-send-visible: in the real chat app (signed in, sync engine online), from pressing
 *   send to the message's text in the DOM (a MutationObserver sees it), timed in the page. The
 *   note splits it into stages (the worker round trips of the local transaction, rendering).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preview } from 'vite';
import { deleteApp, initializeApp } from 'firebase/app';
import { Timestamp, connectFirestoreEmulator, doc, getFirestore, serverTimestamp, terminate, writeBatch } from 'firebase/firestore';
import { startFirestoreEmulator, uniqueProjectId } from 'localfire/testing/emulator';
import { directConversationId } from '@localfire/chat-model';
import { createCleanup, launchProfileContext, serve } from '../test-support/browser.js';
import type { BrowserContext, Page } from 'playwright-core';
import type { Served } from '../test-support/browser.js';
import type { ReadBenchApi, ReadSetup } from '../test-support/bench-page-api.js';
import { CHAT_RULES_PATH } from '../test-support/paths.js';
import { measure, measurePair, percentile, toRow, within } from './harness.js';
import type { BenchModule, BenchRow } from './harness.js';

/** What the pages expose: the read bench page's API, and the send probe injected into the app. */
interface PageGlobals {
  readonly __readBench: ReadBenchApi;
  /** {@link SEND_PROBE} */
  readonly __sendProbe: (text: string) => Promise<SendSample>;
}

const APP_ROOT = fileURLToPath(new URL('../apps/chat/', import.meta.url));
const APP_CONFIG = fileURLToPath(new URL('../apps/chat/vite.config.ts', import.meta.url));
const READ_COUNT = 1000;
const SEND_GAP_MS = 250;
/**
 * Sends before the measured ones. The emulator's JVM compiles its hot paths during the first
 * ~20 s of traffic, using most of a core (of this machine's two); the device's figure is taken
 * once that settled, as it would be against a real, remote Firestore.
 */
const SEND_WARMUP = 60;
/** Measured sends: a p99 over 100 is the second-slowest send, which one stall on this shared host decides. */
const SEND_SAMPLES = 300;

/**
 * Injected before the app loads: records every driver request posted to a Worker and every
 * response heard back (main-thread times), while `__lfTrace.on` is set. The send probe reads
 * it to split a send into stages. Plain JS: it runs in the page as is.
 */
const WORKER_TRACE = `
(() => {
  const trace = { on: false, events: [], requests: 0 };
  window.__lfTrace = trace;
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options);
      this.addEventListener('message', (e) => {
        if (!trace.on || !e.data) return;
        // The worker's own clock marks (epoch ms), made relative to this page's performance.now().
        const w = e.data.timing ? e.data.timing.map((x) => x - performance.timeOrigin) : undefined;
        trace.events.push({ t: performance.now(), k: 'res', id: e.data.id, w });
      });
    }
    postMessage(message, ...rest) {
      trace.requests++;
      if (trace.on && message) {
        trace.events.push({ t: performance.now(), k: 'req', id: message.id, op: message.op, sql: [...(message.ahead || []).map((a) => a.sql), message.sql || ''].join(' | ') });
      }
      return super.postMessage(message, ...rest);
    }
  };
})();
`;

/**
 * Injected into the app's page: `__sendProbe(text)` types `text` into the composer, then
 * times from the click on send to the text in the DOM (seen by a MutationObserver), with the
 * driver round trips in between (from {@link WORKER_TRACE}). Plain JS: it runs in the page as is.
 */
const SEND_PROBE = `
window.__sendProbe = async (text) => {
  const input = document.querySelector('[data-testid=composer-input]');
  const button = document.querySelector('[data-testid=send-button]');
  const list = document.querySelector('[data-testid=messages]');
  if (!input || !button || !list) throw new Error('no chat on the page');
  // Typed as a person would: in the focused composer, and on screen (a frame rendered) before
  // the click. A person's keystrokes are painted long before they press send; without the
  // frame wait, the typing's own layout and paint ran between the click and the message.
  input.focus();
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(input, text);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  if (button.disabled) throw new Error('the send button is still disabled');
  const trace = window.__lfTrace;
  return new Promise((resolve) => {
    let start = 0;
    const observer = new MutationObserver(() => {
      for (const el of list.querySelectorAll('[data-testid=message-text]')) {
        if (el.textContent !== text) continue;
        const visible = performance.now();
        console.timeStamp('lf-visible');
        observer.disconnect();
        const events = trace ? trace.events.map((e) => ({ ...e, t: e.t - start, w: e.w && e.w.map((x) => x - start) })) : [];
        if (trace) { trace.on = false; trace.events = []; }
        resolve({ total: visible - start, events });
        return;
      }
    });
    observer.observe(list, { childList: true, subtree: true, characterData: true });
    if (trace) { trace.events = []; trace.on = true; }
    start = performance.now();
    console.timeStamp('lf-send');
    button.click();
  });
};
`;

/**
 * One send, as the probe reports it: the total, and the driver round trips (ms after the
 * click); a response carries the worker's receive and answer times (`w`) when it sent them.
 */
interface SendSample {
  readonly total: number;
  readonly events: readonly {
    readonly t: number; readonly k: 'req' | 'res'; readonly id: number; readonly op?: string; readonly sql?: string; readonly w?: readonly [number, number];
  }[];
}

/**
 * Stage times of one send: `click->begin` (event, React, view model, waiting for the store's
 * mutex), each round trip of the write transaction by its SQL, the round trips split into
 * `hop to worker`, `in worker` (queue and SQLite) and `hop back` (a stall in a hop is a thread
 * that waited for a CPU or a busy main thread), `gaps` (main-thread work between round trips),
 * and `commit->visible` (live query notification, React render to the DOM).
 */
function stagesOf(sample: SendSample): Map<string, number> {
  const out = new Map<string, number>();
  const add = (k: string, v: number): void => {
    out.set(k, (out.get(k) ?? 0) + v);
  };
  const responses = new Map<number, number>();
  const workerTimes = new Map<number, readonly [number, number]>();
  for (const e of sample.events) {
    if (e.k !== 'res') continue;
    responses.set(e.id, e.t);
    if (e.w !== undefined) workerTimes.set(e.id, e.w);
  }
  const requests = sample.events.filter((e) => e.k === 'req');
  const begin = requests.findIndex((e) => e.sql?.startsWith('BEGIN') === true);
  const commit = requests.findIndex((e, i) => i >= begin && (e.sql === 'COMMIT' || e.sql?.endsWith('COMMIT') === true));
  if (begin === -1 || commit === -1) {
    add('untraced', sample.total);
    return out;
  }
  add('click->begin', requests[begin]!.t);
  add('requests before begin', begin);
  for (let i = begin; i <= commit; i++) {
    const r = requests[i]!;
    const done = responses.get(r.id) ?? sample.total;
    const label = (r.sql ?? r.op ?? '?').replace(/\s+/g, ' ').slice(0, 48);
    add(`rt ${label}`, done - r.t);
    const w = workerTimes.get(r.id);
    if (w !== undefined) {
      add('hop to worker', w[0] - r.t);
      add('in worker', w[1] - w[0]);
      add('hop back', done - w[1]);
    }
    const next = i < commit ? requests[i + 1]!.t : done;
    add('gaps', next - done);
  }
  add('commit->visible', sample.total - (responses.get(requests[commit]!.id) ?? sample.total));
  add('requests after commit, before visible', requests.slice(commit + 1).filter((e) => e.t < sample.total).length);
  return out;
}

/** Median of each stage over the samples, for the row's note. */
function stageNote(samples: readonly SendSample[]): string {
  const all = new Map<string, number[]>();
  for (const s of samples) for (const [k, v] of stagesOf(s)) (all.get(k) ?? all.set(k, []).get(k)!).push(v);
  return [...all].map(([k, v]) => `${k} ${percentile(v, 50).toFixed(2)}${v.length < samples.length ? ` (${v.length}x)` : ''}`).join('; ');
}

export const browserBench: BenchModule = {
  name: 'browser',
  rows: ['browser-read-1000', 'browser-send-visible'],
  async run({ selected, log }) {
    const cleanup = createCleanup();
    try {
      const emulator = await startFirestoreEmulator({ rulesPath: CHAT_RULES_PATH });
      cleanup.add({ close: () => emulator.stop() });
      const served = cleanup.add(await serve(APP_ROOT, { configFile: APP_CONFIG }));
      const rows: BenchRow[] = [];
      if (selected('browser-read-1000')) rows.push(await readRow(emulator.hostAndPort, served, log));
      if (selected('browser-send-visible')) {
        log('building the app (production)');
        const app = cleanup.add(await servedBuild());
        rows.push(await sendRow(emulator.hostAndPort, app, log));
      }
      return rows;
    } finally {
      await cleanup.run();
    }
  },
};

async function readRow(hostAndPort: string, served: Served, log: (m: string) => void): Promise<BenchRow> {
  const projectId = uniqueProjectId('bench-read');
  const members = ['alice', 'bob'];
  const conversationId = directConversationId('alice', 'bob');
  log(`seeding ${READ_COUNT} messages on the emulator`);
  await seedMessages(hostAndPort, projectId, conversationId, members, READ_COUNT);
  const profile = await launchProfileContext();
  const { context } = profile;
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.text().startsWith('bench page:')) log(m.text());
    });
    await page.goto(`${served.url}test/bench-page/index.html`);
    await page.waitForFunction(() => '__readBench' in globalThis, undefined, { timeout: 60_000 });
    const [host, port] = hostAndPort.split(':');
    const setup: ReadSetup = { projectId, host: host ?? '127.0.0.1', port: Number(port), userId: 'alice', conversationId, members, count: READ_COUNT };
    const counts = await within(page.evaluate((s) => (globalThis as unknown as PageGlobals).__readBench.setupRead(s), setup), 120_000, 'the bench page setting up the read (local rows, SDK cache)');
    if (counts.local !== READ_COUNT || counts.sdk !== READ_COUNT) throw new Error(`setup returned ${JSON.stringify(counts)}`);
    log('measuring');
    const local = (): Promise<number> => page.evaluate(() => (globalThis as unknown as PageGlobals).__readBench.readLocal());
    const sdk = (): Promise<number> => page.evaluate(() => (globalThis as unknown as PageGlobals).__readBench.readSdk());
    const { subject, baseline } = await measurePair(local, sdk, { warmup: 10, iterations: 60 });
    return toRow({
      name: 'browser-read-1000',
      samples: subject,
      baseline: { name: 'Firestore SDK persistentLocalCache getDocsFromCache, same page', samples: baseline },
      note: `${READ_COUNT} messages of one conversation, newest ${READ_COUNT} ordered by timestamp; subject MessageRepository.getMessages on SQLite WASM (opfs-sahpool, worker) returning domain objects; baseline the same query from the SDK's IndexedDB cache mapped to plain objects; timed in the page, ${subject.length} pairs, headless Chromium on an on-disk profile`,
    });
  } finally {
    await profile.close();
  }
}

/**
 * The app as shipped: a production build served by `vite preview` on 127.0.0.1. The build runs
 * in its own process: Vite takes the mode from `NODE_ENV` when it is set, and the dev server
 * this module starts for the read row sets it to `development` for the whole process (an
 * in-process build after it ships React's development build, several times slower to render).
 */
async function servedBuild(): Promise<{ readonly url: string; close(): Promise<void> }> {
  const outDir = mkdtempSync(join(tmpdir(), 'localfire-chat-build-'));
  try {
    await viteBuild(outDir);
    const server = await preview({ root: APP_ROOT, configFile: APP_CONFIG, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const address = server.httpServer.address();
    if (address === null || typeof address === 'string') throw new Error('vite preview did not report a TCP address');
    return {
      url: `http://127.0.0.1:${address.port}/`,
      async close() {
        await server.close();
        rmSync(outDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

/** `vite build` of the chat app into `outDir`, in a child process with `NODE_ENV=production`. */
async function viteBuild(outDir: string): Promise<void> {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const args = [vite, 'build', '--config', APP_CONFIG, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'];
  const child = spawn(process.execPath, args, { cwd: APP_ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`vite build of the chat app exited with ${String(code)}`);
}

async function sendRow(hostAndPort: string, served: { readonly url: string }, log: (m: string) => void): Promise<BenchRow> {
  const projectId = uniqueProjectId('bench-send');
  await seedMessages(hostAndPort, projectId, directConversationId('alice', 'bob'), ['alice', 'bob'], 20);
  const profile = await launchProfileContext({ viewport: { width: 1200, height: 760 } });
  const { context } = profile;
  try {
    const page = await context.newPage();
    const url = new URL(served.url);
    url.searchParams.set('user', 'alice');
    url.searchParams.set('project', projectId);
    url.searchParams.set('emulator', hostAndPort);
    url.hash = `c=${directConversationId('alice', 'bob')}`;
    await page.addInitScript({ content: WORKER_TRACE });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(url.toString());
    await page.waitForSelector('[data-testid=message]', { timeout: 60_000 });
    await page.addScriptTag({ content: SEND_PROBE });
    await page.waitForFunction(() => '__sendProbe' in globalThis);
    log('measuring');
    let n = 0;
    const traced: SendSample[] = [];
    const requestCount = (): Promise<number> => page.evaluate(() => (globalThis as unknown as { __lfTrace: { requests: number } }).__lfTrace.requests);
    const requestsBefore = await requestCount();
    const traceFile = process.env['BENCH_TRACE'];
    const stopTrace = traceFile === undefined ? undefined : await startChromeTrace(context, page);
    // A person's pace, not a burst: the previous send's push and acknowledgement settle in between.
    const samples = await measure(async () => {
      await page.waitForTimeout(SEND_GAP_MS);
      const text = `bench message ${++n}`;
      const sample = await within(page.evaluate((t) => (globalThis as unknown as PageGlobals).__sendProbe(t), text), 30_000, `"${text}" appearing in the chat`);
      traced.push(sample);
      return sample.total;
    }, { warmup: SEND_WARMUP, iterations: SEND_SAMPLES });
    if (stopTrace !== undefined && traceFile !== undefined) {
      writeFileSync(traceFile, await stopTrace());
      log(`Chrome trace of the sends written to ${traceFile} (figures of a traced run are not comparable)`);
    }
    const requests = (await requestCount()) - requestsBefore;
    const perSend = requests / traced.length;
    log(`driver requests per send, the whole cycle (send, push, acknowledgement, echoes, live re-runs): ${perSend.toFixed(1)}`);
    log(`slowest sends: ${[...samples].sort((a, b) => b - a).slice(0, 8).map((x) => x.toFixed(1)).join(', ')} ms`);
    const stages = stageNote(traced.slice(-samples.length));
    log(`stage medians (ms): ${stages}`);
    // The tail is what the p99 target is about: where did the slowest sends spend their time?
    for (const slow of [...traced.slice(-samples.length)].sort((a, b) => b.total - a.total).slice(0, 3)) {
      const parts = [...stagesOf(slow)].filter(([, v]) => v >= 0.5).map(([k, v]) => `${k} ${v.toFixed(1)}`);
      log(`slow send ${slow.total.toFixed(1)} ms: ${parts.join('; ')}`);
    }
    return toRow({
      name: 'browser-send-visible',
      samples,
      note: `the chat app's production build (React, SQLite WASM in a worker, sync engine online against the emulator): click on send to the text in the DOM (MutationObserver), timed in the page; ${samples.length} sends ${SEND_GAP_MS} ms apart after ${SEND_WARMUP} unmeasured, ${perSend.toFixed(1)} driver requests per send cycle, p90 ${percentile(samples, 90).toFixed(2)} ms; headless Chromium on an on-disk profile; stage medians (ms, main-thread times of the driver's worker round trips): ${stages}`,
    });
  } finally {
    await profile.close();
  }
}

/**
 * `BENCH_TRACE=<file>` records the measured sends as a Chrome trace (open it in Perfetto or
 * chrome://tracing): every thread's tasks, layouts, paints and GCs. The probe marks each send
 * with the timestamps `lf-send` and `lf-visible`. Returns what stops it and gives the JSON.
 */
async function startChromeTrace(context: BrowserContext, page: Page): Promise<() => Promise<string>> {
  const cdp = await context.newCDPSession(page);
  const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'toplevel', 'v8', 'v8.execute', 'disabled-by-default-v8.gc', 'disabled-by-default-v8.cpu_profiler', 'blink.user_timing'];
  await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories } });
  return async () => {
    const complete = new Promise<string>((resolve, reject) => cdp.once('Tracing.tracingComplete', (e) => (e.stream === undefined ? reject(new Error('no trace stream')) : resolve(e.stream))));
    await cdp.send('Tracing.end');
    const stream = await complete;
    const chunks: string[] = [];
    for (;;) {
      const chunk = await cdp.send('IO.read', { handle: stream, size: 1 << 20 });
      chunks.push(chunk.data);
      if (chunk.eof) break;
    }
    await cdp.detach();
    return chunks.join('');
  };
}

/** A Firestore with the emulator's owner token (rules bypassed), for seeding. */
function connectOwner(hostAndPort: string, projectId: string): { readonly firestore: ReturnType<typeof getFirestore>; close(): Promise<void> } {
  const app = initializeApp({ projectId, apiKey: 'bench' }, `bench-seed-${projectId}`);
  const firestore = getFirestore(app);
  const [host, port] = hostAndPort.split(':');
  connectFirestoreEmulator(firestore, host ?? '127.0.0.1', Number(port), { mockUserToken: 'owner' });
  return {
    firestore,
    async close() {
      await terminate(firestore);
      await deleteApp(app);
    },
  };
}

/** The members' profiles and one conversation of `count` messages on the emulator, in batches of 500. */
async function seedMessages(hostAndPort: string, projectId: string, conversationId: string, members: readonly string[], count: number): Promise<void> {
  const owner = connectOwner(hostAndPort, projectId);
  const T0 = Date.UTC(2024, 0, 1);
  const stamp = { updatedAt: serverTimestamp(), deleted: false };
  try {
    const first = writeBatch(owner.firestore);
    for (const m of members) first.set(doc(owner.firestore, 'users', m), { email: `${m}@example.com`, displayName: m, isOnline: false, ...stamp });
    first.set(doc(owner.firestore, 'conversations', conversationId), {
      type: 'direct', participantIds: [...members], participants: Object.fromEntries(members.map((m) => [m, { displayName: m }])),
      lastActivityAt: Timestamp.fromMillis(T0 + count * 1000), ...stamp,
    });
    await first.commit();
    for (let start = 0; start < count; start += 500) {
      const batch = writeBatch(owner.firestore);
      for (let m = start; m < Math.min(count, start + 500); m++) {
        const sender = members[m % members.length] ?? 'x';
        const id = `${conversationId}-m${String(m).padStart(4, '0')}`;
        batch.set(doc(owner.firestore, 'conversations', conversationId, 'messages', id), {
          conversationId, senderId: sender, senderName: sender, text: `message ${m}: the quick brown fox jumps over the lazy dog`,
          timestamp: Timestamp.fromMillis(T0 + m * 1000), readBy: [...members], deliveredTo: [...members], localId: id, ...stamp,
        });
      }
      await batch.commit();
    }
  } finally {
    await owner.close();
  }
}
