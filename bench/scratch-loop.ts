import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { setLogLevel } from 'firebase/firestore';
import { startFirestoreEmulator } from 'localfire/testing/emulator';
import { arrivals, openDevice } from './chat-devices.js';
const RULES_PATH = fileURLToPath(new URL('../packages/chat-model/firestore.rules', import.meta.url));
setLogLevel('silent');
const busy = process.argv[2] === 'busy';
const loops = busy ? cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })) : [];
const dir = mkdtempSync(join(tmpdir(), 'lf-scratch-'));
const emulator = await startFirestoreEmulator({ rulesPath: RULES_PATH });
const t0 = performance.now();
const log: string[] = [];
try {
  const projectId = emulator.projectId('scratch');
  const alice = await openDevice({ emulator, projectId, userId: 'alice', filename: join(dir, 'a.db') });
  const bob = await openDevice({ emulator, projectId, userId: 'bob', filename: join(dir, 'b.db') });
  for (const d of [alice, bob]) d.engine.log.subscribe((e) => log.push(`${(performance.now() - t0).toFixed(0)} ${d.userId} ${JSON.stringify(e).slice(0, 250)}`));
  const seen = arrivals();
  const c = await alice.conversations.createDirectConversation('alice', 'bob');
  bob.messages.observeMessages(c.id).subscribe((list) => seen.check(list.map((m) => m.id)));
  const lat: number[] = [];
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    const m = await alice.messages.sendMessage({ conversationId: c.id, text: `m${i}`, senderId: 'alice', senderName: 'alice' });
    waits.push(seen.next(m.id).then((at) => { lat.push(at - start); }));
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 120000))]);
  lat.sort((a, b) => a - b);
  console.log(`busy=${busy} n=${lat.length} p50=${lat[Math.floor(lat.length / 2)]?.toFixed(0)} max=${lat.at(-1)?.toFixed(0)} over5s=${lat.filter((x) => x > 5000).length}`);
  if ((lat.at(-1) ?? 1e9) > 5000 || lat.length < 200) console.log(log.join('\n'));
  await alice.close(); await bob.close();
} finally {
  await emulator.stop();
  for (const l of loops) l.kill('SIGKILL');
}
