// The validation part of firestore.rules is generated from the chat's collection definitions
// (`npm run rules -w packages/chat-model`): it must be exactly what the generator prints now, so
// a field added, retyped or given a limit without regenerating the rules fails here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extractRulesValidation, generateRulesValidation } from 'localfire';
import { describe, expect, it } from 'vitest';
import { chatCollections } from '../src/index.js';

const RULES = fileURLToPath(new URL('../firestore.rules', import.meta.url));

describe('firestore.rules', () => {
  it('holds the validation block generated from chatCollections, unchanged', () => {
    const block = extractRulesValidation(readFileSync(RULES, 'utf8'));
    expect(block, 'firestore.rules has no generated block').toBeDefined();
    expect(block).toBe(generateRulesValidation(chatCollections));
  });

  it('calls the create and update check of every collection', () => {
    const rules = readFileSync(RULES, 'utf8');
    const outside = rules.replace(extractRulesValidation(rules) ?? '', '');
    for (const name of ['Users', 'PrivateProfiles', 'Conversations', 'Messages']) {
      expect(outside).toMatch(new RegExp(`allow create: if [^;]*valid${name}Create\\(`));
      expect(outside).toMatch(new RegExp(`allow update: if [^;]*valid${name}Update\\(\\)`));
    }
  });
});
