// What test/react/index.html exposes on `window.reactTests`.
export interface ReactTestApi {
  /** Emits a new result from the live query the component watches. */
  emit(messages: readonly string[]): void;
  fail(message: string): void;
  setStatus(pendingCount: number): void;
  /** The rendered text of the component. */
  text(): string;
  /** How many subscriptions the live query and the status have open. */
  subscribers(): { query: number; status: number };
  /** Switches the component to another conversation (a new query via the factory's deps). */
  switchTo(conversation: string): void;
  unmount(): void;
}

export const REACT_API_KEY = 'reactTests';
