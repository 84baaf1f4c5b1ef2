// Local-first in the browser: a reload renders from the device's SQLite database while
// Firestore is unreachable, and two tabs of one user elect one leader (no double writes).
import { collection, getDocs } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from '@localfire/chat-model';
import { emulatorHost } from '../../../../test-support/firestore.js';
import { connectOwnerFirestore } from '../../scripts/seed-demo.js';
import { eventually, messageTexts, send, startAppRig, statusOf } from './harness.js';
import type { AppRig } from './harness.js';

let rig: AppRig;
beforeAll(async () => { rig = await startAppRig(); }, 120_000);
afterAll(() => rig.close());

const CHAT = directConversationId('alice', 'bob');

/** Texts of the conversation's messages on the server (owner token, rules bypassed). */
async function serverTexts(projectId: string, conversationId: string): Promise<string[]> {
  const owner = connectOwnerFirestore(emulatorHost(), projectId);
  try {
    const snapshot = await getDocs(collection(owner.firestore, 'conversations', conversationId, 'messages'));
    return snapshot.docs.map((d) => String(d.get('text')));
  } finally {
    await owner.close();
  }
}

describe('local-first in the browser', () => {
  it('renders the conversation list and last messages from the local database after a reload with Firestore unreachable', async () => {
    const projectId = await rig.seededProject('e2e-reload');
    const context = await rig.device();
    const page = await rig.open(context, { projectId, userId: 'alice', conversationId: CHAT, waitFor: '[data-testid=message]' });
    const text = 'written before the reload';
    await send(page, text);
    await eventually(() => statusOf(page, text), (s) => s === 'sent');
    const titlesBefore = await page.locator('[data-testid=conversation-title]').allTextContents();
    const previewsBefore = await page.locator('[data-testid=conversation-preview]').allTextContents();
    expect(titlesBefore).toEqual(['Bob', 'Weekend plans', 'Carol']);

    // From now on every request to the emulator fails: the page itself (Vite) still loads.
    const [host, port] = emulatorHost().split(':');
    const firestore = new RegExp(`^https?://${(host ?? '').replace(/\./g, '\\.')}:${port}/`);
    let blocked = 0;
    await context.route(firestore, (route) => {
      blocked++;
      return route.abort('connectionrefused');
    });
    await page.reload();
    await page.waitForSelector('[data-testid=conversation-item]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=message]', { timeout: 30_000 });
    expect(await page.locator('[data-testid=conversation-title]').allTextContents()).toEqual(titlesBefore);
    expect(await page.locator('[data-testid=conversation-preview]').allTextContents()).toEqual(previewsBefore);
    expect(previewsBefore[0]).toContain(text);
    const texts = await messageTexts(page);
    expect(texts.at(-1)).toBe(text);
    expect(texts).toContain('Hey Alice! Did you try the new sync engine?');
    // Firestore was asked and never answered: what is on screen came from SQLite.
    await eventually(() => Promise.resolve(blocked), (n) => n > 0);
    await context.unroute(firestore);
  }, 120_000);

  it('lets one tab of a user lead; the other waits, takes over when the leader closes, and nothing is written twice', async () => {
    const projectId = await rig.seededProject('e2e-tabs');
    const context = await rig.device();
    const first = await rig.open(context, { projectId, userId: 'alice', conversationId: CHAT, waitFor: '[data-testid=message]' });
    const second = await rig.open(context, { projectId, userId: 'alice', conversationId: CHAT, waitFor: '[data-testid=follower-notice]' });
    expect(await second.locator('[data-testid=conversation-list]').count()).toBe(0);

    await send(first, 'from the leading tab');
    await eventually(() => statusOf(first, 'from the leading tab'), (s) => s === 'sent');
    await first.waitForTimeout(1000);
    expect(await second.locator('[data-testid=follower-notice]').count()).toBe(1);

    await first.close();
    await second.waitForSelector('[data-testid=message]', { timeout: 30_000 });
    expect(await messageTexts(second)).toContain('from the leading tab');
    await send(second, 'from the tab that took over');
    await eventually(() => statusOf(second, 'from the tab that took over'), (s) => s === 'sent');
    await second.waitForTimeout(1000);

    const onServer = await serverTexts(projectId, CHAT);
    expect(onServer.filter((t) => t === 'from the leading tab')).toHaveLength(1);
    expect(onServer.filter((t) => t === 'from the tab that took over')).toHaveLength(1);
    expect(onServer).toHaveLength(5 + 2);
    expect((await messageTexts(second)).filter((t) => t.startsWith('from the'))).toEqual(['from the leading tab', 'from the tab that took over']);
  }, 120_000);
});
