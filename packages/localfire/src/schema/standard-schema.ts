import type { StandardSchemaV1 } from '@standard-schema/spec';
import { LocalfireError } from '../errors.js';

export type { StandardSchemaV1 };

/** A schema whose output has a string `id`: zod, valibot and arktype schemas all fit. */
export type EntitySchema<T extends { id: string }> = StandardSchemaV1<unknown, T>;

/**
 * Validates synchronously with a Standard Schema. Async schemas are refused with a clear
 * error: local writes must commit without waiting.
 */
export function validateSync<T>(schema: StandardSchemaV1<unknown, T>, value: unknown, context: string): T {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    throw new LocalfireError('invalid-definition', `${context}: the schema validates asynchronously; localfire needs a synchronous schema`);
  }
  if (result.issues) {
    const summary = result.issues
      .map((i) => `${formatPath(i.path)}${i.message}`)
      .join('; ');
    throw new LocalfireError('validation', `${context}: ${summary}`, { details: { issues: result.issues } });
  }
  return result.value;
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '';
  const parts = path.map((p) => String(typeof p === 'object' ? p.key : p));
  return `${parts.join('.')}: `;
}
