/*
 * The codec between localfire's local representation and the neutral remote form every
 * adapter speaks: plain JSON values plus `Date` for dates. Adapters convert the neutral
 * form to their wire types (Firestore: Date <-> Timestamp, µs from Timestamps) and back;
 * everything else (kinds, optionality, path shape, schema) is decided here, once.
 * Pure: no I/O, no clock.
 */
import { LocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';
import type { FieldSpec } from '../schema/fields.js';
import { fieldLimitViolation } from '../schema/firestore-limits.js';
import { validateSync } from '../schema/standard-schema.js';
import type { FieldChange, ServerTime } from '../store/sync-store.js';
import type { Checkpoint, RemoteChange, RemoteWrite } from './remote.js';

/** A remote field value: JSON values, plus `Date` for `date` fields. */
export type NeutralValue = null | boolean | number | string | Date | readonly NeutralValue[] | { readonly [key: string]: NeutralValue };

/** One field of an encoded write: set it, remove it, add to its array (arrayUnion) or remove from it (arrayRemove). */
export type EncodedField =
  | { readonly op: 'set'; readonly value: NeutralValue }
  | { readonly op: 'delete' }
  | { readonly op: 'union'; readonly values: readonly string[] }
  | { readonly op: 'remove'; readonly values: readonly string[] };

/** A validated write in neutral form. The adapter adds `updatedAt` (server time) itself. */
export interface EncodedWrite {
  readonly path: string;
  readonly op: 'set' | 'delete';
  readonly fields: Readonly<Record<string, EncodedField>>;
}

/** A document as read from the remote, before decoding. */
export interface RawRemoteDocument {
  readonly id: string;
  readonly path: string;
  /** The document's data as stored (anything: it is checked here). */
  readonly data: unknown;
  /** `updatedAt` in µs, or null when the document has none (treated as server time 0). */
  readonly updatedAtMicros: ServerTime | null;
  /** The document's commit time in µs ({@link RemoteDoc.version}); absent: its `updatedAt`. */
  readonly versionMicros?: ServerTime | null;
  /** The change type to report for a valid document. Default `modified`. */
  readonly type?: 'added' | 'modified';
}

const invalidData = (message: string, details: Record<string, unknown> = {}, cause?: unknown) =>
  new LocalfireError('invalid-data', message, cause === undefined ? { details } : { details, cause });

/** The parent path values and id of a document path of `def`, or null when it is not one. */
export function parseDocumentPath(def: CollectionDef, path: string): { readonly id: string; readonly parents: Readonly<Record<string, string>> } | null {
  const parts = path.split('/');
  if (parts.length !== def.pathSegments.length) return null;
  const values: Record<string, string> = {};
  for (const [i, segment] of def.pathSegments.entries()) {
    const part = parts[i] ?? '';
    if (segment.kind === 'literal') {
      if (part !== segment.value) return null;
    } else if (part === '') {
      return null;
    } else {
      values[segment.field] = part;
    }
  }
  const { id, ...parents } = values;
  return id === undefined ? null : { id, parents };
}

/**
 * Validates and encodes one write: the path must be a document path of `def` ending with
 * `write.id`, parent fields (if written) must equal their path values, and every field
 * value must fit its kind (dates as Date or ms; `undefined`/null removes an optional field;
 * unions only on `set` fields) and within Firestore's per-field limits (value size, nesting,
 * map keys: schema/firestore-limits.ts). Throws `invalid-data` otherwise; nothing is
 * half-encoded. The whole document's size is the backend's to check (it alone knows the merge).
 */
export function encodeWrite(def: CollectionDef, write: RemoteWrite): EncodedWrite {
  const where = { path: write.path, mutationId: write.mutationId };
  if (write.collection !== def.name) throw invalidData(`write for "${write.collection}" given to collection "${def.name}"`, where);
  const parsed = parseDocumentPath(def, write.path);
  if (!parsed || parsed.id !== write.id) throw invalidData(`${def.name}: "${write.path}" is not a document path of ${def.path} with id "${write.id}"`, where);
  if (write.op !== 'set' && write.op !== 'delete') throw invalidData(`${def.name}: unknown write op`, where);
  const fields = encodeFields(def, write.fields);
  for (const [name, value] of Object.entries(parsed.parents)) {
    const change = fields[name];
    if (change && (change.op !== 'set' || change.value !== value)) throw invalidData(`${def.name}.${name} must equal its path value "${value}"`, where);
  }
  return { path: write.path, op: write.op, fields };
}

/**
 * The document a backend holds after applying `write` to `data` (its current fields, or
 * undefined when it does not exist): set/merge of the fields, deletes, arrayUnion, arrayRemove, and
 * `deleted: true` for a tombstone. `updatedAt` is the backend's to add. Pure; a fake backend
 * can check the result with `firestoreLimitViolation` (schema/firestore-limits.ts) before
 * committing, as Firestore refuses a merged document over its limits.
 */
export function applyEncodedWrite(data: Readonly<Record<string, unknown>> | undefined, write: EncodedWrite): Record<string, unknown> {
  const next: Record<string, unknown> = { ...data };
  for (const [name, change] of Object.entries(write.fields)) {
    if (change.op === 'delete') {
      delete next[name];
    } else if (change.op === 'set') {
      next[name] = structuredClone(change.value);
    } else if (change.op === 'remove') {
      next[name] = (Array.isArray(next[name]) ? (next[name] as unknown[]) : []).filter((v) => !change.values.includes(v as string));
    } else {
      const current = Array.isArray(next[name]) ? (next[name] as unknown[]) : [];
      next[name] = [...current, ...change.values.filter((v) => !current.includes(v))];
    }
  }
  if (write.op === 'delete') next['deleted'] = true;
  return next;
}

/** Encodes changed fields to neutral form (see {@link encodeWrite}). Throws `invalid-data`. */
export function encodeFields(def: CollectionDef, fields: Readonly<Record<string, FieldChange>>): Record<string, EncodedField> {
  const out: Record<string, EncodedField> = {};
  for (const [name, change] of Object.entries(fields)) {
    const spec = Object.hasOwn(def.fields, name) ? def.fields[name] : undefined;
    if (!spec) throw invalidData(`${def.name}: "${name}" is not a field`, { field: name });
    const fail = (why: string): never => {
      throw invalidData(`${def.name}.${name}: ${why}`, { field: name });
    };
    if (change.op === 'union' || change.op === 'remove') {
      if (spec.kind !== 'set') fail(`${change.op} needs a set field`);
      out[name] = { op: change.op, values: uniqueStrings(change.values) ?? fail(`${change.op} values must be strings`) };
    } else if (change.op === 'set') {
      if (change.value === undefined || change.value === null) {
        out[name] = spec.optional ? { op: 'delete' } : fail('a required field cannot be removed');
      } else {
        const value = toNeutral(spec, change.value, 'write');
        if (value === undefined) fail(`not a valid ${spec.kind}`);
        const violation = fieldLimitViolation(name, value);
        if (violation !== null) fail(violation.message);
        out[name] = { op: 'set', value: value as NeutralValue };
      }
    } else {
      fail('unknown field op');
    }
  }
  return out;
}

/**
 * Decodes one remote document: path shape, `deleted` flag, times, each field by kind (absent or
 * null optional fields are omitted; parent fields missing from the data are taken from the
 * path), then the collection's schema. A document without `updatedAt` gets server time 0; without a
 * known version, its `updatedAt` is its version.
 * Anything wrong yields an `invalid` change (kind `invalid-data`, the raw data kept) instead
 * of a document. Tombstones are lenient: a deleted document whose fields no longer pass
 * is delivered with the fields that decode, since its content is never applied.
 * Never throws.
 */
export function decodeRemoteDocument(def: CollectionDef, raw: RawRemoteDocument): RemoteChange {
  const id = String(raw.id);
  const path = String(raw.path);
  const invalid = (error: LocalfireError): RemoteChange => ({ type: 'invalid', collection: def.name, id, path, error, raw: raw.data });
  try {
    const parsed = parseDocumentPath(def, path);
    if (!parsed || parsed.id !== id) return invalid(invalidData(`${def.name}: "${path}" is not a document path of ${def.path} with id "${id}"`, { path }));
    const data = raw.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return invalid(invalidData(`${path}: document data is not a map`, { path }));
    const record = data as Record<string, unknown>;
    const deleted = record['deleted'] ?? false;
    if (typeof deleted !== 'boolean') return invalid(invalidData(`${path}: "deleted" is not a boolean`, { path }));
    const serverTime = raw.updatedAtMicros ?? 0;
    if (!Number.isSafeInteger(serverTime) || serverTime < 0) return invalid(invalidData(`${path}: updatedAt is not a valid time`, { path }));
    const version = raw.versionMicros ?? serverTime;
    if (!Number.isSafeInteger(version) || version < 0) return invalid(invalidData(`${path}: the document version is not a valid time`, { path }));

    const decoded: Record<string, unknown> = {};
    const issues: string[] = [];
    for (const name of def.fieldNames) {
      const spec = def.fields[name];
      if (!spec) continue;
      const fromPath = parsed.parents[name];
      const value = Object.hasOwn(record, name) ? record[name] : undefined;
      if (fromPath !== undefined && value !== undefined && value !== fromPath) {
        issues.push(`${name}: "${JSON.stringify(value)}" differs from the path value "${fromPath}"`);
      } else if (fromPath !== undefined) {
        decoded[name] = fromPath;
      } else if (value === undefined || value === null) {
        if (!spec.optional) issues.push(`${name}: required`);
      } else {
        const local = toNeutral(spec, value, 'read');
        if (local === undefined) issues.push(`${name}: not a valid ${spec.kind}`);
        else decoded[name] = local;
      }
    }
    const doc = (fields: Record<string, unknown>): RemoteChange => ({
      type: raw.type ?? 'modified',
      doc: { collection: def.name, id, path, data: fields, serverTime, version, deleted },
    });
    if (issues.length > 0) {
      return deleted ? doc(decoded) : invalid(invalidData(`${path}: ${issues.join('; ')}`, { path, issues }));
    }
    let entity: Record<string, unknown>;
    try {
      entity = validateSync(def.schema, { id, ...decoded }, path);
    } catch (e) {
      if (deleted) return doc(decoded);
      const message = e instanceof Error ? e.message : String(e);
      return invalid(invalidData(message, { path, ...(e instanceof LocalfireError ? e.details : {}) }, e));
    }
    const fields: Record<string, unknown> = {};
    for (const name of def.fieldNames) if (entity[name] !== undefined) fields[name] = entity[name];
    return doc(fields);
  } catch (e) {
    return invalid(invalidData(`${path}: could not decode (${e instanceof Error ? e.message : String(e)})`, { path }, e));
  }
}

/** Orders positions by server time, then document id (the checkpoint order). */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  if (a.serverTime !== b.serverTime) return a.serverTime < b.serverTime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** True when (serverTime, id) comes strictly after `from` (always, when `from` is null). */
export function isAfterCheckpoint(position: Checkpoint, from: Checkpoint | null): boolean {
  return from === null || compareCheckpoints(position, from) > 0;
}

/** Microseconds of a Firestore-style timestamp (seconds + nanoseconds), truncated. */
export function timestampToMicros(seconds: number, nanoseconds: number): ServerTime {
  return seconds * 1_000_000 + Math.floor(nanoseconds / 1000);
}

/**
 * One value in neutral form for its field kind, or undefined when it does not fit.
 * `write` also accepts dates as ms numbers (local rows keep ms).
 */
function toNeutral(spec: FieldSpec, value: unknown, direction: 'write' | 'read'): NeutralValue | undefined {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'date': {
      const ms = value instanceof Date ? value.getTime() : direction === 'write' && typeof value === 'number' ? value : Number.NaN;
      return Number.isFinite(ms) ? new Date(ms) : undefined;
    }
    case 'json':
      return toJson(value, 0);
    case 'set':
      return Array.isArray(value) ? uniqueStrings(value) : undefined;
  }
}

function uniqueStrings(values: unknown): string[] | undefined {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) return undefined;
  return [...new Set(values)];
}

const MAX_JSON_DEPTH = 20;

/**
 * A deep copy of a JSON value (undefined object members dropped), or undefined if it is not
 * one. Arrays directly inside arrays are refused too: Firestore cannot store them, and every
 * remote must accept the same values.
 */
function toJson(value: unknown, depth: number): NeutralValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object' || depth > MAX_JSON_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const items: NeutralValue[] = [];
    for (const item of value) {
      if (Array.isArray(item)) return undefined;
      const copy = toJson(item, depth + 1);
      if (copy === undefined) return undefined;
      items.push(copy);
    }
    return items;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: Record<string, NeutralValue> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    const copy = toJson(member, depth + 1);
    if (copy === undefined) return undefined;
    Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
