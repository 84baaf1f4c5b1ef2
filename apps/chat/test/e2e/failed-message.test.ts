// A message the server refuses shows as not sent with Retry and Discard: Retry sends it once
// the server accepts writes again; Discard removes it, and Bob never sees it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from '@localfire/chat-model';
import { readChatRules, setProjectRules } from '../../../../test-support/firestore.js';
import { eventually, messageTexts, send, startAppRig, statusOf } from './harness.js';
import type { AppRig } from './harness.js';

let rig: AppRig;
beforeAll(async () => { rig = await startAppRig(); }, 120_000);
afterAll(() => rig.close());

const CHAT = directConversationId('alice', 'bob');

/** Everything readable, nothing writable: every push is refused (permission-denied, not retried). */
const READ_ONLY_RULES = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /{document=**} {
      allow read: if true;
      allow write: if false;
    }
  }
}
`;

describe('a failed message', () => {
  it('offers Retry, which sends it once writes are allowed again, and Discard, which removes it', async () => {
    const projectId = await rig.seededProject('e2e-failed-message');
    const alice = await rig.open(await rig.device(), { projectId, userId: 'alice', conversationId: CHAT, waitFor: '[data-testid=message]' });
    const bob = await rig.open(await rig.device(), { projectId, userId: 'bob', conversationId: CHAT, waitFor: '[data-testid=message]' });
    const mine = (text: string) => alice.locator('[data-testid=message][data-mine=true]', { hasText: text });

    await setProjectRules(projectId, READ_ONLY_RULES);
    await send(alice, 'refused, then retried');
    await eventually(() => statusOf(alice, 'refused, then retried'), (s) => s === 'failed', 30_000);
    expect(await mine('refused, then retried').locator('[data-testid=retry]').count()).toBe(1);
    expect(await mine('refused, then retried').locator('[data-testid=discard]').count()).toBe(1);

    await setProjectRules(projectId, readChatRules());
    await mine('refused, then retried').locator('[data-testid=retry]').click();
    await eventually(() => messageTexts(bob), (texts) => texts.includes('refused, then retried'), 30_000);
    await eventually(() => statusOf(alice, 'refused, then retried'), (s) => s === 'read', 30_000);

    await setProjectRules(projectId, READ_ONLY_RULES);
    await send(alice, 'refused, then discarded');
    await eventually(() => statusOf(alice, 'refused, then discarded'), (s) => s === 'failed', 30_000);
    await mine('refused, then discarded').locator('[data-testid=discard]').click();
    await eventually(() => messageTexts(alice), (texts) => !texts.includes('refused, then discarded'));
    await setProjectRules(projectId, readChatRules());

    // Alice keeps writing: the discarded message never reaches Bob, the next one does.
    await send(alice, 'after the discard');
    await eventually(() => messageTexts(bob), (texts) => texts.includes('after the discard'), 30_000);
    expect((await messageTexts(bob)).filter((t) => t.startsWith('refused'))).toEqual(['refused, then retried']);
    expect((await messageTexts(alice)).filter((t) => t.startsWith('refused'))).toEqual(['refused, then retried']);
  }, 180_000);
});
