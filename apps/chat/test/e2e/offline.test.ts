// Offline sends: Alice cuts her sync (the app's switch, or the browser's network), sends
// three messages that wait as pending, reconnects; Bob receives each exactly once, in order.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from '@localfire/chat-model';
import { eventually, messageTexts, send, startAppRig, statusOf } from './harness.js';
import type { AppRig } from './harness.js';

let rig: AppRig;
beforeAll(async () => { rig = await startAppRig(); }, 120_000);
afterAll(() => rig.close());

const CHAT = directConversationId('alice', 'bob');

interface Scenario {
  readonly label: string;
  goOffline(context: BrowserContext, page: Page): Promise<void>;
  goOnline(context: BrowserContext, page: Page): Promise<void>;
}

const scenarios: Scenario[] = [
  {
    label: "the app's offline switch",
    goOffline: (_context, page) => page.click('.offline-switch'),
    goOnline: (_context, page) => page.click('.offline-switch'),
  },
  {
    label: "the browser's network (context.setOffline)",
    goOffline: (context) => context.setOffline(true),
    goOnline: (context) => context.setOffline(false),
  },
];

describe('sending while offline', () => {
  it.each(scenarios)('keeps three messages pending while offline through $label, then Bob gets each once, in order', async (scenario) => {
    const projectId = await rig.seededProject('e2e-offline');
    const aliceContext = await rig.device();
    const alice = await rig.open(aliceContext, { projectId, userId: 'alice', conversationId: CHAT, waitFor: '[data-testid=message]' });
    const bob = await rig.open(await rig.device(), { projectId, userId: 'bob', conversationId: CHAT, waitFor: '[data-testid=message]' });

    await scenario.goOffline(aliceContext, alice);
    await eventually(() => alice.getAttribute('[data-testid=sync-badge]', 'data-state'), (s) => s === 'offline');
    const texts = ['offline one', 'offline two', 'offline three'].map((t) => `${t} (${scenario.label})`);
    for (const text of texts) await send(alice, text);

    await eventually(() => messageTexts(alice), (shown) => texts.every((t) => shown.includes(t)));
    for (const text of texts) expect(await statusOf(alice, text)).toBe('sending');
    expect(Number.parseInt((await alice.textContent('[data-testid=pending-count]')) ?? '0', 10)).toBeGreaterThanOrEqual(3);
    // Nothing reached Bob while Alice was offline.
    await alice.waitForTimeout(1000);
    expect((await messageTexts(bob)).filter((t) => texts.includes(t))).toEqual([]);

    await scenario.goOnline(aliceContext, alice);
    const received = await eventually(() => messageTexts(bob), (shown) => texts.every((t) => shown.includes(t)), 30_000);
    expect(received.filter((t) => texts.includes(t))).toEqual(texts);
    for (const text of texts) await eventually(() => statusOf(alice, text), (s) => s === 'read');
    expect(await alice.locator('[data-testid=pending-count]').count()).toBe(0);
    // Once each: Bob's view after everything settled still holds each text exactly once.
    await bob.waitForTimeout(500);
    expect((await messageTexts(bob)).filter((t) => texts.includes(t))).toEqual(texts);
  }, 120_000);
});
