/*
 * Per field kind: the SQLite column type and the codecs between entity values (local
 * representation), SQL values, and the JSON form used in outbox entries. See DESIGN.md "Values".
 */
import { unreachable } from '../errors.js';
import type { FieldKind } from '../schema/fields.js';
import type { SqlValue } from './driver.js';

export function columnType(kind: FieldKind): 'TEXT' | 'REAL' | 'INTEGER' {
  switch (kind) {
    case 'string':
    case 'json':
    case 'set':
      return 'TEXT';
    case 'number':
      return 'REAL';
    case 'integer':
    case 'boolean':
    case 'date':
      return 'INTEGER';
    default:
      return unreachable(kind);
  }
}

/** Entity value to SQL value. `undefined`/`null` become NULL. */
export function toSql(kind: FieldKind, value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case 'string':
      return value as string;
    case 'number':
    case 'integer':
      return value as number;
    case 'boolean':
      return value ? 1 : 0;
    case 'date':
      return value instanceof Date ? value.getTime() : (value as number);
    case 'json':
    case 'set':
      return JSON.stringify(value);
    default:
      return unreachable(kind);
  }
}

/** A decoder from a non-null SQL value to the entity value, or null when the value is kept as is. */
export function sqlDecoder(kind: FieldKind): ((v: unknown) => unknown) | null {
  switch (kind) {
    case 'string':
    case 'number':
    case 'integer':
      return null;
    case 'boolean':
      return decodeBoolean;
    case 'date':
      return decodeDate;
    case 'json':
    case 'set':
      return decodeJson;
    default:
      return unreachable(kind);
  }
}

const decodeBoolean = (v: unknown): boolean => v !== 0;
const decodeDate = (v: unknown): Date => new Date(v as number);
const decodeJson = (v: unknown): unknown => JSON.parse(v as string);

/** SQL value to entity value; NULL becomes `undefined`. */
export function fromSql(kind: FieldKind, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  const decode = sqlDecoder(kind);
  return decode === null ? value : decode(value);
}

/** Entity value to its JSON form in an outbox entry (dates as ms). */
export function toOutboxJson(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  return kind === 'date' && value instanceof Date ? value.getTime() : value;
}

/** JSON form in an outbox entry back to the entity value. */
export function fromOutboxJson(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  return kind === 'date' ? new Date(value as number) : value;
}

/** Double-quotes an identifier for SQL. Names are validated by defineCollection. */
export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
