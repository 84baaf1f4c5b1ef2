// The Firestore adapter unchanged in Chromium, where the SDK speaks WebChannel instead of gRPC.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleanup, launchBrowser, serve } from '../../../../test-support/browser.js';
import type { LaunchedBrowser, Served } from '../../../../test-support/browser.js';
import { emulatorHost, setProjectRules, uniqueProjectId, clearProject } from '../../../../test-support/firestore.js';
import { rulesDenying } from './firestore-test-backend.js';
import type { RoundtripResult } from './firestore-browser/main.js';

const root = fileURLToPath(new URL('./firestore-browser/', import.meta.url));
const cleanup = createCleanup();
let served: Served;
let browser: LaunchedBrowser;

beforeAll(async () => {
  served = cleanup.add(await serve(root, { prebundle: ['firebase/app', 'firebase/firestore'] }));
  browser = cleanup.add(await launchBrowser());
}, 60_000);

afterAll(() => cleanup.run());

describe('Firestore remote in the browser', () => {
  it('writes, acknowledges with the server time and delivers to a second client over WebChannel', async () => {
    const projectId = uniqueProjectId('firestore-browser');
    await setProjectRules(projectId, rulesDenying([]));
    const [host, port] = emulatorHost().split(':') as [string, string];
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(served.url);
      await page.waitForFunction(() => 'firestoreAdapterRoundtrip' in window, undefined, { timeout: 30_000 });
      const result = await page.evaluate(
        ([h, p, id]) => (window as unknown as { firestoreAdapterRoundtrip: (h: string, p: number, id: string) => Promise<RoundtripResult> }).firestoreAdapterRoundtrip(h, p, id),
        [host, Number(port), projectId] as const,
      );
      expect(result.received).toEqual({ type: 'added', id: 't1', version: result.ackVersion, dueAtIsDate: true, dueAtMs: 1_700_000_000_123, title: 'from the browser' });
      expect(result.ackVersion).toBeGreaterThan(0);
      expect(result.offlineKind).toBe('offline');
      expect(result.states).toEqual(['offline', 'online']);
    } finally {
      await context.close();
      await clearProject(projectId);
    }
  }, 60_000);
});
