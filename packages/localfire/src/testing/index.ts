// localfire/testing: fakes and helpers for tests of apps and adapters. Named exports only.
export { createMemoryBackend } from './memory-remote/index.js';
export type { MemoryBackend, MemoryBackendOptions, MemoryDocument, MemoryRemote, MemoryRuleRequest, MemoryRules, MemoryServerWriteOptions, MemoryStagedWrite } from './memory-remote/index.js';
export { driverContractCases } from './driver-contract.js';
export type { DriverContractCase } from './driver-contract.js';
