// Collection definitions and schema validation as the store relies on them.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { collectionPath, defineCollection, documentPath, field, isLocalfireError } from '../../src/index.js';
import type { StandardSchemaV1 } from '../../src/index.js';
import { validateSync } from '../../src/schema/standard-schema.js';
import { todos } from '../fixtures/todo.js';

const schema = z.object({ id: z.string(), a: z.string() });
const base = { name: 'things', path: 'things/{id}', schema, fields: { a: field.string() } };
const invalid = (config: unknown) => {
  try {
    defineCollection(config as never);
  } catch (e) {
    return isLocalfireError(e, 'invalid-definition');
  }
  return false;
};

describe('defineCollection', () => {
  it('normalises a valid definition', () => {
    expect(todos.parentFields).toEqual(['listId']);
    expect(todos.fieldNames).toContain('tags');
    expect(todos.fields.tags).toEqual({ kind: 'set', merge: 'union', optional: false });
    expect(todos.evictable).toBe(true);
    expect(defineCollection(base).indexes).toEqual([]);
  });

  it('refuses malformed definitions with invalid-definition', () => {
    expect(invalid({ ...base, name: 'Bad-Name' })).toBe(true);
    expect(invalid({ ...base, name: '_lf_x' })).toBe(true);
    expect(invalid({ ...base, fields: { 'bad name': field.string() } })).toBe(true);
    expect(invalid({ ...base, fields: { deleted: field.boolean() } })).toBe(true);
    expect(invalid({ ...base, fields: { a: { kind: 'text', merge: 'lww', optional: false } } })).toBe(true);
    expect(invalid({ ...base, fields: { a: { kind: 'string', merge: 'max', optional: false } } })).toBe(true);
    expect(invalid({ ...base, fields: { a: field.string({ merge: 'union' }) } })).toBe(true);
    expect(invalid({ ...base, path: 'things/{id}/x' })).toBe(true);
    expect(invalid({ ...base, path: 'a/b/things/{id}' })).toBe(false);
    expect(invalid({ ...base, path: 'things/{a}/x/{id}', fields: { a: field.string({ optional: true }) } })).toBe(true);
    expect(invalid({ ...base, path: 'p/{nope}/things/{id}' })).toBe(true);
    expect(invalid({ ...base, path: 'th ings/{id}' })).toBe(true);
    expect(invalid({ ...base, path: '{id}' })).toBe(true);
    expect(invalid({ ...base, indexes: [[]] })).toBe(true);
    expect(invalid({ ...base, indexes: [['nope']] })).toBe(true);
  });

  it('builds document and collection paths from entity fields', () => {
    expect(documentPath(todos, { id: 't1', listId: 'l1' })).toBe('lists/l1/todos/t1');
    expect(collectionPath(todos, { listId: 'l1' })).toBe('lists/l1/todos');
    expect(() => documentPath(todos, { id: 't1', listId: '' })).toThrow(expect.objectContaining({ kind: 'validation' }) as Error);
  });
});

describe('validateSync', () => {
  it('returns the parsed value or throws validation with the issues', () => {
    expect(validateSync(schema, { id: 'x', a: 'y', extra: 1 }, 'ctx')).toEqual({ id: 'x', a: 'y' });
    try {
      validateSync(schema, { id: 'x', a: 1 }, 'ctx');
      expect.unreachable();
    } catch (e) {
      expect(isLocalfireError(e, 'validation')).toBe(true);
      expect((e as Error).message).toMatch(/^ctx: a: /);
    }
  });

  it('refuses an asynchronous schema', () => {
    const asyncSchema: StandardSchemaV1<unknown, { id: string }> = {
      '~standard': { version: 1, vendor: 'test', validate: (v) => Promise.resolve({ value: v as { id: string } }) },
    };
    expect(() => validateSync(asyncSchema, { id: 'x' }, 'ctx')).toThrow(expect.objectContaining({ kind: 'invalid-definition' }) as Error);
  });

  it('reports an issue without a path', () => {
    const rootSchema: StandardSchemaV1<unknown, { id: string }> = {
      '~standard': { version: 1, vendor: 'test', validate: () => ({ issues: [{ message: 'nope' }] }) },
    };
    expect(() => validateSync(rootSchema, {}, 'ctx')).toThrow('ctx: nope');
  });
});
