// `npm start`: the chat demo in one command. Starts the Firestore emulator with the chat rules
// (or uses the one named by FIRESTORE_EMULATOR_HOST), seeds the demo users and conversations
// in a fresh project, serves the app with Vite on 127.0.0.1 and prints how to open it.
// Ctrl-C stops everything this script started.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { isLocalfireError } from 'localfire';
import { startFirestoreEmulator, uniqueProjectId } from 'localfire/testing/emulator';
import type { FirestoreEmulator } from 'localfire/testing/emulator';
import { DEMO_USERS } from '../src/demo/demo-users.js';
import { connectOwnerFirestore, seedDemo } from './seed-demo.js';

const RULES = fileURLToPath(new URL('../../../packages/chat-model/firestore.rules', import.meta.url));
const CONFIG = fileURLToPath(new URL('../vite.config.ts', import.meta.url));

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env['PORT'] ?? '5173' },
    project: { type: 'string' },
  },
});

const stops: (() => Promise<void>)[] = [];
const stopAll = async (): Promise<void> => {
  while (stops.length > 0) await stops.pop()?.().catch(() => undefined);
};

async function main(): Promise<void> {
  const external = process.env['FIRESTORE_EMULATOR_HOST'];
  console.log(external ? `Using the Firestore emulator at ${external}` : 'Starting the Firestore emulator…');
  const emulator: FirestoreEmulator = await startFirestoreEmulator({ rulesPath: RULES });
  stops.push(() => emulator.stop());

  // A fresh project per run: the browser's per-project databases never meet stale server data.
  const projectId = values.project ?? uniqueProjectId('chat');
  // An emulator started elsewhere may run other rules: this project gets the chat's.
  if (emulator.external) await emulator.setRules(projectId, readFileSync(RULES, 'utf8'));
  const owner = connectOwnerFirestore(emulator.hostAndPort, projectId);
  try {
    await seedDemo(owner.firestore);
  } finally {
    await owner.close();
  }
  console.log(`Seeded ${DEMO_USERS.map((u) => u.displayName).join(', ')} and their conversations in project ${projectId}.`);

  process.env['VITE_LOCALFIRE_PROJECT_ID'] = projectId;
  process.env['VITE_FIRESTORE_EMULATOR_HOST'] = emulator.hostAndPort;
  const server = await createServer({ configFile: CONFIG, server: { host: '127.0.0.1', port: Number(values.port), strictPort: false } });
  await server.listen();
  stops.push(() => server.close());
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address !== null ? address.port : Number(values.port);
  const base = `http://127.0.0.1:${port}/`;

  console.log('');
  console.log(`  localfire chat is running: ${base}`);
  console.log('');
  console.log(`  Alice:  ${base}?user=alice`);
  console.log(`  Bob:    ${base}?user=bob     <- open in a second tab to chat with Alice`);
  console.log('');
  console.log('  Each user has their own SQLite database in this browser, so two users can share one');
  console.log('  browser profile. The same user in two tabs: one tab leads and syncs, the other waits.');
  console.log(`  Firestore emulator: ${emulator.hostAndPort}${emulator.external ? ' (external)' : ''}. Press Ctrl-C to stop.`);
}

const keepAlive = setInterval(() => undefined, 1 << 30);
const shutdown = async (code: number): Promise<void> => {
  clearInterval(keepAlive);
  console.log('\nStopping…');
  await stopAll();
  process.exit(code);
};
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

main().catch(async (e: unknown) => {
  console.error(isLocalfireError(e) ? e.message : e);
  await shutdown(1);
});
