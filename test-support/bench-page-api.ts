// The API the read bench page (apps/chat/test/bench-page/main.ts) puts on `window.__readBench`,
// shared by the page and its driver (bench/browser.ts). Types only.

/** Where the page finds the emulator and what it seeds. */
export interface ReadSetup {
  readonly projectId: string;
  readonly host: string;
  readonly port: number;
  readonly userId: string;
  readonly conversationId: string;
  readonly members: readonly string[];
  readonly count: number;
}

export interface ReadBenchApi {
  /** Seeds the local database and fills the SDK cache; resolves with how many messages each read returns. */
  setupRead(setup: ReadSetup): Promise<{ readonly local: number; readonly sdk: number }>;
  /** One read through the repository (SQLite WASM); resolves with its duration in ms. */
  readLocal(): Promise<number>;
  /** One read from the SDK's persistent cache, mapped to plain objects; resolves with its duration in ms. */
  readSdk(): Promise<number>;
}
