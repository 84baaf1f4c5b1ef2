// What the browser test page exposes on `window.localfireTests`, shared by the page and the
// Node test that drives it.
export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface LeadView {
  readonly state: 'leader' | 'follower' | 'released' | 'starting';
  /** Rows of the shared table, read by this tab once it led and wrote its own row. */
  readonly rows: readonly string[];
  readonly error?: string;
}

export interface BrowserTestApi {
  runDriverContract(): Promise<CaseResult[]>;
  /** Opens the user's database, adds rows to `notes`, closes it. */
  writeNotes(userId: string, ids: readonly string[]): Promise<void>;
  /** Opens the user's database, reads `notes` (empty if absent), closes it. */
  readNotes(userId: string): Promise<string[]>;
  /**
   * Competes for the user's leadership. When this tab leads (now or after a takeover) it
   * opens the database, writes a row named `tab` and keeps the database open.
   */
  lead(userId: string, tab: string): Promise<LeadView['state']>;
  leadView(): LeadView;
  /** Gives up this tab's leadership (or stops waiting); resolves to what `whenLeader` then does. */
  releaseLead(): Promise<'rejected' | 'resolved'>;
}

export const API_KEY = 'localfireTests';
