export { createMemoryBackend } from './backend.js';
export type { MemoryBackend, MemoryBackendOptions, MemoryDocument, MemoryRemote, MemoryRuleRequest, MemoryRules, MemoryServerWriteOptions, MemoryStagedWrite } from './types.js';
