import { LocalfireError } from '../errors.js';
import type { CollectionDef } from '../schema/collection.js';

/**
 * Refuses, with a `validation` error, the values a write would store that break their field's
 * declared limits: a `legacy` field set at all, a string longer than its `maxLength`, a set or
 * json value with more than `maxItems` items. `values` are entity fields (a create's input or
 * an update's patch); `undefined` values are ignored. A string's length is counted in UTF-16
 * code units (JavaScript's `length`: an emoji counts 2), as the rules' `string.size()` counts
 * on the emulator. These are the limits the rules printed by
 * `generateRulesValidation` check on the server, so a write refused there is refused here
 * first, before anything is stored. Call it before the write (it reads nothing).
 */
export function checkFieldLimits(def: CollectionDef, values: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(values)) {
    const spec = def.fields[name];
    if (spec === undefined || value === undefined) continue;
    const fail = (message: string, details: Record<string, unknown> = {}): never => {
      throw new LocalfireError('validation', `${def.name}.${name}: ${message}`, { details: { collection: def.name, field: name, ...details } });
    };
    if (spec.legacy === true) fail('is a legacy field, read from old documents and never written');
    if (spec.maxLength !== undefined && typeof value === 'string') {
      const { length } = value;
      if (length > spec.maxLength) fail(`is ${length} characters long, more than its limit of ${spec.maxLength}`, { length, maxLength: spec.maxLength });
    }
    if (spec.maxItems !== undefined && typeof value === 'object' && value !== null) {
      const items = Array.isArray(value) ? value.length : Object.keys(value).length;
      if (items > spec.maxItems) fail(`holds ${items} items, more than its limit of ${spec.maxItems}`, { items, maxItems: spec.maxItems });
    }
  }
}
