/*
 * A failed write never blocks its document for good: a later write of the same document
 * that covers every field the failed one changed supersedes it (the failed entry is
 * dropped; the later writes carry everything it would have written). Otherwise the failed
 * entry stays, holds the later writes back (per-document order) and the row stays `failed`
 * (blocked) until the app retries or discards it (failed-writes.ts).
 *
 * Coverage, field by field, by the later entries of the document taken together:
 * - a `set` of a field is covered by a later `set` of it (a later `union` is not: a set may
 *   have removed values a union would not remove on the server);
 * - a `union` (a `remove`) of a field is covered by a later `set` of it, or by later unions
 *   and removals that together touch every value it added (removed): the last of them to
 *   touch a value decides whether the set holds it, whatever the failed entry did;
 * - a `delete` (tombstone) is covered only by a later delete; a delete covers no field.
 * So no value a failed entry wrote is lost unless a later write of the user replaces it.
 */
import { write, type OpContext } from './context.js';

interface EntryRow {
  readonly seq: number;
  readonly op: string;
  readonly fields: string;
  readonly state: string;
}

type RawChange = { readonly op: 'set' } | { readonly op: 'union' | 'remove'; readonly values: readonly string[] };

/** An outbox entry's shape as far as coverage goes: its op and its field changes. */
export interface CoverageEntry {
  readonly op: string;
  readonly fields: Readonly<Record<string, RawChange>>;
}

/**
 * Do the `later` entries of a document replace everything `failed` would have written? Then
 * applying `failed` before them ends the same as applying them alone (a property test checks).
 */
export function covers(failed: CoverageEntry, later: readonly CoverageEntry[]): boolean {
  if (later.length === 0) return false;
  if (failed.op === 'delete') return later.some((e) => e.op === 'delete');
  const laterFields = later.filter((e) => e.op !== 'delete').map((e) => e.fields);
  for (const [name, change] of Object.entries(failed.fields)) {
    if (laterFields.some((f) => f[name]?.op === 'set')) continue;
    if (change.op !== 'set') {
      const touched = new Set(laterFields.flatMap((f) => { const c = f[name]; return c !== undefined && c.op !== 'set' ? c.values : []; }));
      if (change.values.every((v) => touched.has(v))) continue;
    }
    return false;
  }
  return true;
}

const parsed = (e: EntryRow): CoverageEntry => ({ op: e.op, fields: JSON.parse(e.fields) as Record<string, RawChange> });

/**
 * Drops the failed entries of one document that its later entries cover. Returns how many
 * were dropped and whether a failed entry is left (the document is still blocked).
 */
export async function supersedeFailed(ctx: OpContext, collection: string, docId: string): Promise<{ readonly dropped: readonly number[]; readonly blocked: boolean }> {
  const entries = await ctx.driver.all<EntryRow>('SELECT seq, op, fields, state FROM _lf_outbox WHERE collection = ? AND doc_id = ? ORDER BY seq', [collection, docId]);
  const dropped: number[] = [];
  let blocked = false;
  entries.forEach((entry, i) => {
    if (entry.state !== 'failed') return;
    if (covers(parsed(entry), entries.slice(i + 1).map(parsed))) dropped.push(entry.seq);
    else blocked = true;
  });
  if (dropped.length > 0) await write(ctx, 'DELETE FROM _lf_outbox WHERE seq IN (SELECT value FROM json_each(?))', [JSON.stringify(dropped)]);
  return { dropped, blocked };
}

/** The fields the failed entries of one document changed. */
export async function failedFieldNames(ctx: OpContext, collection: string, docId: string): Promise<Set<string>> {
  const rows = await ctx.driver.all<{ fields: string }>(`SELECT fields FROM _lf_outbox WHERE collection = ? AND doc_id = ? AND state = 'failed'`, [collection, docId]);
  return new Set(rows.flatMap((r) => Object.keys(JSON.parse(r.fields) as Record<string, unknown>)));
}
