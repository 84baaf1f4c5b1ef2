import { fileURLToPath } from 'node:url';

/** The chat app's security rules: the emulator's default rules in tests and `npm run emulator`. */
export const CHAT_RULES_PATH = fileURLToPath(new URL('../packages/chat-model/firestore.rules', import.meta.url));
