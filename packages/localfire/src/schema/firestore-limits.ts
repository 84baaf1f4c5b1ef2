/*
 * Firestore's hard limits on a stored document, computed by Firestore's own size formula
 * (https://firebase.google.com/docs/firestore/storage-size):
 *
 *   document size = document name size + Σ (field name size + field value size) + 32
 *   document name = Σ (collection id and document id sizes along the path) + 16
 *   string        = UTF-8 bytes + 1        number (integer, double) = 8
 *   boolean = 1   null = 1                 timestamp (Date) = 8
 *   array         = Σ its values           map = Σ (key size + value size)
 *
 * Limits: a document ≤ 1 MiB (1,048,576 bytes); one field value ≤ 1,048,487 bytes; a value
 * nested at most 20 deep (a top-level field is depth 1, each map or array adds one); field
 * names (map keys too) non-empty, ≤ 1,500 bytes and not matching `__.*__`.
 *
 * Pure and shared: repository writes check the document as it will be on the server before
 * anything is stored, and a fake backend can refuse the same documents Firestore refuses.
 */

export const MAX_DOCUMENT_BYTES = 1_048_576;
export const MAX_FIELD_VALUE_BYTES = 1_048_487;
export const MAX_FIELD_DEPTH = 20;
export const MAX_FIELD_NAME_BYTES = 1_500;

/** Which limit a document breaks. */
export type FirestoreLimit = 'document-size' | 'field-value-size' | 'depth' | 'field-name';

/** The first limit a document breaks: which, where (a dotted field path) and by how much. */
export interface FirestoreLimitViolation {
  readonly limit: FirestoreLimit;
  /** The field path (`a.b.c`; empty for the whole document). */
  readonly field: string;
  readonly message: string;
  /** The size or depth found, and the most allowed. */
  readonly actual: number;
  readonly max: number;
}

/** UTF-8 byte length of a string, without allocating (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const stringSize = (s: string): number => utf8Length(s) + 1;

/** Size of a document name (its full path, e.g. `conversations/c1/messages/m1`). */
export function documentNameSize(path: string): number {
  let size = 16;
  for (const segment of path.split('/')) size += stringSize(segment);
  return size;
}

/** Size of one stored value (strings, numbers, booleans, null, Dates, arrays, plain maps). Undefined map members are not stored. */
export function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return stringSize(value);
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof Date) return 8;
  if (typeof value !== 'object') return 0;
  let size = 0;
  if (Array.isArray(value)) {
    for (const item of value) size += valueSize(item);
    return size;
  }
  for (const [key, member] of Object.entries(value)) if (member !== undefined) size += stringSize(key) + valueSize(member);
  return size;
}

/** Size of a document at `path` holding `fields` (every stored field, bookkeeping ones included). */
export function documentSize(path: string, fields: Readonly<Record<string, unknown>>): number {
  let size = documentNameSize(path) + 32;
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) size += stringSize(name) + valueSize(value);
  return size;
}

const RESERVED_NAME = /^__.*__$/s;

function fieldNameProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (RESERVED_NAME.test(name)) return 'matches __.*__ (reserved by Firestore)';
  const bytes = utf8Length(name);
  if (bytes > MAX_FIELD_NAME_BYTES) return `is ${bytes} bytes, more than ${MAX_FIELD_NAME_BYTES}`;
  return null;
}

/** The first problem inside one value at `depth` (a top-level field is 1): a bad map key, or a member deeper than 20. */
function nestedProblem(value: unknown, path: string, depth: number): FirestoreLimitViolation | null {
  if (typeof value !== 'object' || value === null || value instanceof Date) return null;
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray ? value.map((v: unknown, i) => [String(i), v]) : Object.entries(value);
  for (const [key, member] of entries) {
    if (member === undefined) continue;
    const field = `${path}.${key}`;
    const problem = isArray ? null : fieldNameProblem(key);
    if (problem !== null) return { limit: 'field-name', field, message: `field name "${key}" in "${path}" ${problem}`, actual: utf8Length(key), max: MAX_FIELD_NAME_BYTES };
    if (depth + 1 > MAX_FIELD_DEPTH) {
      return { limit: 'depth', field, message: `field "${field}" is nested ${depth + 1} deep, more than ${MAX_FIELD_DEPTH}`, actual: depth + 1, max: MAX_FIELD_DEPTH };
    }
    const inner = nestedProblem(member, field, depth + 1);
    if (inner !== null) return inner;
  }
  return null;
}

/** The first limit one top-level field breaks (its name, its nesting, its value's size), or null. */
export function fieldLimitViolation(name: string, value: unknown): FirestoreLimitViolation | null {
  const problem = fieldNameProblem(name);
  if (problem !== null) return { limit: 'field-name', field: name, message: `field name "${name}" ${problem}`, actual: utf8Length(name), max: MAX_FIELD_NAME_BYTES };
  const nested = nestedProblem(value, name, 1);
  if (nested !== null) return nested;
  const bytes = valueSize(value);
  if (bytes > MAX_FIELD_VALUE_BYTES) {
    return { limit: 'field-value-size', field: name, message: `field "${name}" is ${bytes} bytes, more than Firestore's ${MAX_FIELD_VALUE_BYTES}`, actual: bytes, max: MAX_FIELD_VALUE_BYTES };
  }
  return null;
}

/**
 * The first Firestore limit that the document at `path` holding `fields` breaks, or null:
 * each field (see {@link fieldLimitViolation}), then the document's size. `fields` is the
 * whole document as stored, bookkeeping fields included (`updatedAt`, `deleted`).
 */
export function firestoreLimitViolation(path: string, fields: Readonly<Record<string, unknown>>): FirestoreLimitViolation | null {
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const violation = fieldLimitViolation(name, value);
    if (violation !== null) return violation;
  }
  const size = documentSize(path, fields);
  if (size > MAX_DOCUMENT_BYTES) {
    return { limit: 'document-size', field: '', message: `the document would be ${size} bytes, more than Firestore's ${MAX_DOCUMENT_BYTES}`, actual: size, max: MAX_DOCUMENT_BYTES };
  }
  return null;
}
