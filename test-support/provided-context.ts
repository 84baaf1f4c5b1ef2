// What the global setup hands to test files through Vitest's provide/inject.
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the run's Firestore emulator (test-support/emulator-global-setup.ts). */
    firestoreEmulatorHost: string;
  }
}
