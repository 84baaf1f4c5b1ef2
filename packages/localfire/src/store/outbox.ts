/*
 * Outbox entries: written by repository writes in the same transaction as their row, read
 * and settled by the sync engine through the SyncStore. Field changes are stored as JSON
 * per field kind (dates as ms) and decoded back to local representation.
 */
import type { ErrorKind } from '../errors.js';
import { fromOutboxJson, toOutboxJson } from './columns.js';
import { deepEqual } from './deep-equal.js';
import { recorder, write, type OpContext } from './context.js';
import type { FieldChange, OutboxEntry, OutboxState } from './sync-store.js';
import type { TableModel } from './table-model.js';

type Data = Readonly<Record<string, unknown>>;

/** Every present field of a new entity. `union` fields are pushed as unions (replay-safe, merge with a concurrent create). */
export function changesForCreate(model: TableModel, entity: Data): Record<string, FieldChange> {
  const fields: Record<string, FieldChange> = {};
  for (const c of model.columns) {
    const value = entity[c.field];
    if (value === undefined) continue;
    fields[c.field] = c.merge === 'union' ? { op: 'union', values: value as string[] } : { op: 'set', value };
  }
  return fields;
}

/**
 * The fields that differ between two versions; a grown `union` set becomes a union of the
 * additions, a shrunk one a removal of what it lost (so neither rewrites the server's list
 * from a possibly stale local view); a set that both gained and lost values is a `set`. When something differs, the `lww` and `server` fields in `named` are written
 * too, changed or not: an update of a row whose earlier write failed passes the fields its
 * patch names that the failed write changed, so that it covers it (supersede.ts).
 */
export function changesForUpdate(model: TableModel, before: Data, after: Data, named?: ReadonlySet<string>): Record<string, FieldChange> {
  const fields: Record<string, FieldChange> = {};
  const unchangedNamed: string[] = [];
  for (const c of model.columns) {
    const old = before[c.field];
    const value = after[c.field];
    if (deepEqual(old, value)) {
      if (named?.has(c.field) === true && (c.merge === 'lww' || c.merge === 'server')) unchangedNamed.push(c.field);
      continue;
    }
    if (c.merge === 'union' && Array.isArray(value)) {
      const next = new Set(value as string[]);
      const previous = (old as string[] | undefined) ?? [];
      const had = new Set(previous);
      if (previous.every((v) => next.has(v))) {
        fields[c.field] = { op: 'union', values: (value as string[]).filter((v) => !had.has(v)) };
        continue;
      }
      if ((value as string[]).every((v) => had.has(v))) {
        fields[c.field] = { op: 'remove', values: previous.filter((v) => !next.has(v)) };
        continue;
      }
    }
    fields[c.field] = { op: 'set', value };
  }
  if (Object.keys(fields).length > 0) for (const name of unchangedNamed) fields[name] = { op: 'set', value: after[name] };
  return fields;
}

/** What a write supplies; the outbox fills in the rest (seq, attempts, state). */
export type NewOutboxEntry = Pick<OutboxEntry, 'mutationId' | 'collection' | 'docId' | 'path' | 'op' | 'fields' | 'createdAt'>;

const INSERT_SQL = `INSERT INTO _lf_outbox (mutation_id, collection, doc_id, path, op, fields, created_at, attempts, next_attempt_at, state)
  VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 'pending')`;

/** Adds an entry; the caller's transaction also holds the row write. */
export async function insertOutboxEntry(ctx: OpContext, model: TableModel, entry: NewOutboxEntry): Promise<void> {
  recorder(ctx).outbox();
  await write(ctx, INSERT_SQL, [entry.mutationId, entry.collection, entry.docId, entry.path, entry.op, encodeFields(model, entry.fields), entry.createdAt, entry.createdAt]);
}

function encodeFields(model: TableModel, fields: Readonly<Record<string, FieldChange>>): string {
  const out: Record<string, unknown> = {};
  for (const [name, change] of Object.entries(fields)) {
    const kind = model.byField.get(name)?.kind ?? 'json';
    out[name] = change.op === 'set' ? { op: 'set', value: toOutboxJson(kind, change.value) } : change;
  }
  return JSON.stringify(out);
}

export interface OutboxRow {
  seq: number;
  mutation_id: string;
  collection: string;
  doc_id: string;
  path: string;
  op: string;
  fields: string;
  created_at: number;
  attempts: number;
  last_attempt_at: number | null;
  next_attempt_at: number;
  state: string;
  last_error: string | null;
}

export function decodeOutboxRow(row: OutboxRow, models: ReadonlyMap<string, TableModel>): OutboxEntry {
  const model = models.get(row.collection);
  const raw = JSON.parse(row.fields) as Record<string, { op: 'set'; value?: unknown } | { op: 'union' | 'remove'; values: string[] }>;
  const fields: Record<string, FieldChange> = {};
  for (const [name, change] of Object.entries(raw)) {
    fields[name] = change.op === 'set' ? { op: 'set', value: fromOutboxJson(model?.byField.get(name)?.kind ?? 'json', change.value) } : { op: change.op, values: change.values };
  }
  return {
    seq: row.seq,
    mutationId: row.mutation_id,
    collection: row.collection,
    docId: row.doc_id,
    path: row.path,
    op: row.op === 'delete' ? 'delete' : 'set',
    fields,
    createdAt: row.created_at,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    state: row.state as OutboxState,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as { kind: ErrorKind; message: string }),
  };
}
