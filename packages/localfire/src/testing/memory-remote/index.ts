export { createMemoryBackend } from './backend.js';
export type { MemoryBackend, MemoryBackendOptions, MemoryDocument, MemoryRemote, MemoryRuleRequest, MemoryRules } from './types.js';
