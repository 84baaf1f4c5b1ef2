// The security rules generated from collection definitions (`generateRulesValidation`), on the
// emulator, for a non-chat collection that uses every field kind and limit: each write that
// breaks its declaration is refused, next to the same write with a valid value being accepted.
import { doc, serverTimestamp, setDoc, setLogLevel, Timestamp, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProject, type TestProject } from '../../../../test-support/firestore.js';
import {
  defineCollection, extractRulesValidation, field, generateRulesValidation, replaceRulesValidation, RULES_VALIDATION_BEGIN, RULES_VALIDATION_END,
} from '../../src/index.js';
import { notes, noteSchema } from '../fixtures/limited-notes.js';

/** The app's part: anyone signed in may write, if the document is valid. */
export const rulesFor = (block: string) => `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
${block}
    match /books/{bookId}/notes/{id} {
      allow read: if true;
      allow create: if request.auth != null && validBookNotesCreate(bookId);
      allow update: if request.auth != null && validBookNotesUpdate();
    }
  }
}`;

let project: TestProject;
let db: Firestore;
let seq = 0;

beforeAll(async () => {
  setLogLevel('silent');
  project = await createTestProject({ label: 'rules-validation', rules: rulesFor(generateRulesValidation([notes])) });
  db = project.connect('writer');
});

afterAll(async () => {
  await project.dispose();
});

const push = (path: string, fields: Record<string, unknown>) => setDoc(doc(db, path), { ...fields, updatedAt: serverTimestamp() }, { merge: true });
const allowed = async (p: Promise<unknown>) => expect(p).resolves.not.toThrow();
const denied = async (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'permission-denied' });

const valid = () => ({
  bookId: 'b1', title: 'Hello', stars: 4.5, views: 3, pinned: false, remindAt: Timestamp.fromMillis(Date.now()), tags: ['a'], meta: { k: 1 }, author: 'ann', deleted: false,
});
const fresh = () => `books/b1/notes/n${++seq}`;

describe('generated rules validation', () => {
  it('accepts a valid document, its replay and a valid update', async () => {
    const path = fresh();
    await allowed(push(path, valid()));
    await allowed(push(path, valid()));
    await allowed(push(path, { title: 'Changed', tags: ['a', 'b', 'c'] }));
  });

  it.each([
    ['a string', 'title', 7],
    ['a number', 'stars', 'five'],
    ['an integer', 'views', 1.5],
    ['a boolean', 'pinned', 'no'],
    ['a timestamp', 'remindAt', '2024-01-01'],
    ['a list', 'tags', 'a'],
  ])('refuses a value that is not %s, at create and at update', async (_kind, name, bad) => {
    const path = fresh();
    await denied(push(path, { ...valid(), [name]: bad }));
    await allowed(push(path, valid()));
    await denied(push(path, { [name]: bad }));
  });

  it('refuses values past their limits, and accepts them at the limit', async () => {
    const path = fresh();
    await denied(push(path, { ...valid(), title: 'é'.repeat(11) }));
    await denied(push(path, { ...valid(), tags: ['a', 'b', 'c', 'd'] }));
    await denied(push(path, { ...valid(), meta: { a: 1, b: 2, c: 3 } }));
    await denied(push(path, { ...valid(), remindAt: Timestamp.fromMillis(Date.now() + 3_600_000) }));
    await allowed(push(path, { ...valid(), title: 'é'.repeat(10), tags: ['a', 'b', 'c'], meta: { a: 1, b: 2 } }));
  });

  it('refuses unknown and legacy keys, a missing required field, a wrong path field, a literal or missing updatedAt', async () => {
    const path = fresh();
    await denied(push(path, { ...valid(), extra: true }));
    await denied(push(path, { ...valid(), oldTitle: 'old' }));
    const { author: _author, ...noAuthor } = valid();
    await denied(push(path, noAuthor));
    await denied(push(path, { ...valid(), bookId: 'b2' }));
    await denied(setDoc(doc(db, path), { ...valid(), updatedAt: Timestamp.fromMillis(Date.now()) }));
    await denied(setDoc(doc(db, path), valid()));
    await denied(push(path, { ...valid(), deleted: 'yes' }));
    await allowed(push(path, valid()));
    await denied(push(path, { extra: true }));
    await denied(push(path, { oldTitle: 'old' }));
  });

  it('refuses changing an immutable field, and removing a required one', async () => {
    const path = fresh();
    await allowed(push(path, valid()));
    await denied(push(path, { author: 'bob' }));
    await denied(setDoc(doc(db, path), { title: 'No author', stars: 1, views: 1, pinned: true, tags: [], bookId: 'b1', updatedAt: serverTimestamp() }));
  });
});

describe('generateRulesValidation', () => {
  it('refuses a limit on a kind that has none, and a required legacy field', () => {
    const bad = (fields: Record<string, unknown>) => () => generateRulesValidation([defineCollection({ name: 'x', path: 'x/{id}', schema: noteSchema, fields: fields as never })]);
    expect(bad({ ...notes.fields, stars: { kind: 'number', merge: 'lww', optional: false, maxLength: 3 } })).toThrow(expect.objectContaining({ kind: 'invalid-definition' }));
    expect(bad({ ...notes.fields, author: field.string({ legacy: true }) })).toThrow(expect.objectContaining({ kind: 'invalid-definition' }));
  });

  it('is replaced in, and read back from, a rules file between its marker lines', () => {
    const block = generateRulesValidation([notes]);
    const file = rulesFor(`    ${RULES_VALIDATION_BEGIN}\n    ${RULES_VALIDATION_END}`);
    const written = replaceRulesValidation(file, block);
    expect(extractRulesValidation(written)).toBe(block);
    expect(written).toBe(rulesFor(block));
    expect(() => replaceRulesValidation('rules_version = "2";', block)).toThrow(expect.objectContaining({ kind: 'invalid-definition' }));
  });
});
