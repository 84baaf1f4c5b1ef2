// Two devices, two users: Alice sends, Bob's open chat shows it, and Alice sees her message go
// sending -> sent -> read.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directConversationId } from '@localfire/chat-model';
import { RESULTS_DIR, eventually, messageTexts, recordStatuses, recordedStatuses, send, startAppRig, statusOf } from './harness.js';
import type { AppRig } from './harness.js';

let rig: AppRig;
beforeAll(async () => { rig = await startAppRig(); }, 120_000);
afterAll(() => rig.close());

const CHAT = directConversationId('alice', 'bob');

describe('chat between two users', () => {
  it("delivers Alice's message to Bob's open chat; Alice's copy goes sending, sent, read", async () => {
    const projectId = await rig.seededProject('e2e-send');
    const alice = await rig.open(await rig.device(), { projectId, userId: 'alice', conversationId: CHAT, waitFor: '[data-testid=message]' });
    const bob = await rig.open(await rig.device(), { projectId, userId: 'bob', conversationId: CHAT, waitFor: '[data-testid=message]' });

    const text = 'Hello Bob, this is a real browser';
    await recordStatuses(alice, text);
    // Pressed twice at once: one message. The composer empties with the local write.
    await alice.fill('[data-testid=composer-input]', text);
    await alice.evaluate(() => {
      const button = document.querySelector<HTMLButtonElement>('[data-testid=send-button]')!;
      button.click();
      button.click();
    });
    await eventually(() => alice.inputValue('[data-testid=composer-input]'), (v) => v === '');

    await eventually(() => messageTexts(bob), (texts) => texts.includes(text));
    expect((await messageTexts(alice)).filter((t) => t === text)).toHaveLength(1);
    await eventually(() => statusOf(alice, text), (s) => s === 'read');
    const statuses = await recordedStatuses(alice);
    expect(statuses[0]).toBe('sending');
    expect(statuses.indexOf('sent')).toBeGreaterThan(0);
    expect(statuses.indexOf('read')).toBeGreaterThan(statuses.indexOf('sent'));
    expect(statuses.at(-1)).toBe('read');
    // Bob's list shows the message as the conversation's last one, read (no unread badge).
    const bobRow = bob.locator(`[data-testid=conversation-item][data-conversation-id="${CHAT}"]`);
    await eventually(() => bobRow.locator('[data-testid=conversation-preview]').textContent(), (t) => t?.includes(text) === true);
    expect(await bobRow.locator('[data-testid=unread-count]').count()).toBe(0);

    // Screenshots (test artifacts): the chat, the inspector, and Bob on a phone.
    await alice.screenshot({ path: join(RESULTS_DIR, 'chat.png') });
    await alice.click('[data-testid=inspector-toggle]');
    await alice.waitForSelector('[data-testid=sync-log] li');
    expect(await alice.textContent('[data-testid=inspector-online]')).toBe('Yes');
    expect(await alice.textContent('[data-testid=inspector-pending]')).toBe('0');
    expect(Number(await alice.textContent('[data-testid=inspector-cache-count]'))).toBeGreaterThan(0);
    await alice.screenshot({ path: join(RESULTS_DIR, 'inspector.png') });
    await bob.setViewportSize({ width: 390, height: 780 });
    await bob.screenshot({ path: join(RESULTS_DIR, 'chat-phone.png') });
    if (process.env['UPDATE_DOCS_SCREENSHOTS'] === '1') {
      copyFileSync(join(RESULTS_DIR, 'inspector.png'), fileURLToPath(new URL('../../../../docs/chat-demo.png', import.meta.url)));
    }
  }, 90_000);

  it('creates a group from the new-conversation dialog; an invitee joins, then reads the message under its sender’s name', async () => {
    const projectId = await rig.seededProject('e2e-group');
    const alice = await rig.open(await rig.device(), { projectId, userId: 'alice' });
    const bob = await rig.open(await rig.device(), { projectId, userId: 'bob' });

    await alice.click('[data-testid=new-conversation]');
    await alice.check('[data-testid=contact-bob]');
    await alice.check('[data-testid=contact-carol]');
    await alice.fill('[data-testid=group-name]', 'Release party');
    await alice.click('[data-testid=create-conversation]');
    await alice.waitForSelector('[data-testid=chat-title]:has-text("Release party")');
    await send(alice, 'Who brings the cake?');
    await eventually(() => statusOf(alice, 'Who brings the cake?'), (s) => s === 'sent');

    // Bob is invited, not a member: the group is an invitation until he joins.
    const invitation = bob.locator('[data-testid=invitation]', { hasText: 'Release party' });
    await invitation.waitFor();
    expect(await bob.locator('[data-testid=conversation-item]', { hasText: 'Release party' }).count()).toBe(0);
    await invitation.locator('[data-testid=accept-invitation]').click();
    await bob.waitForSelector('[data-testid=chat-title]:has-text("Release party")');
    const message = bob.locator('[data-testid=message]', { hasText: 'Who brings the cake?' });
    await message.waitFor();
    expect(await message.locator('[data-testid=message-sender]').textContent()).toBe('Alice');
    expect(await bob.locator('[data-testid=conversation-item]', { hasText: 'Release party' }).locator('[data-testid=conversation-preview]').textContent()).toBe('Alice: Who brings the cake?');
    // Bob read it in the open chat; Alice sees that.
    await eventually(() => statusOf(alice, 'Who brings the cake?'), (s) => s === 'read');
  }, 90_000);
});
