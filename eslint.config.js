// Type-aware lint. Layer boundaries are enforced with no-restricted-imports per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (files, patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'apps/chat/public/**', '**/test-results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  // The framework never knows the chat domain, and only its adapters touch drivers or firebase.
  boundary(['packages/localfire/src/**/*.ts'], [
    { group: ['@localfire/chat-model', '**/chat-model/**'], message: 'localfire knows nothing of chat.' },
  ]),
  boundary(['packages/localfire/src/store/**', 'packages/localfire/src/schema/**', 'packages/localfire/src/live/**', 'packages/localfire/src/repository/**'], [
    { group: ['better-sqlite3', '@sqlite.org/*', 'firebase', 'firebase/*', '**/adapters/**'], message: 'The store talks to SQLite through the driver port only.' },
  ]),
  boundary(['packages/localfire/src/sync/**'], [
    { group: ['firebase', 'firebase/*', '@firebase/*', 'better-sqlite3', '**/adapters/**'], message: 'sync/ talks to the backend through the remote port only.' },
  ]),
  boundary(['packages/chat-model/src/**/*.ts'], [
    { group: ['localfire/src/*', '**/localfire/src/**', 'firebase', 'firebase/*', 'better-sqlite3'], message: 'chat-model uses localfire through its public exports only.' },
  ]),
  boundary(['apps/chat/src/**/*.ts', 'apps/chat/src/**/*.tsx'], [
    { group: ['**/localfire/src/**', '**/chat-model/src/**'], message: 'The app uses the packages through their exports.' },
    { group: ['firebase', 'firebase/*', '@firebase/*'], message: 'Only the composition root (apps/chat/src/platform/firebase.ts) touches firebase; view models and UI use repositories.' },
  ]),
  // The app's composition root: the one module allowed to create the Firebase app.
  boundary(['apps/chat/src/platform/firebase.ts'], [
    { group: ['**/localfire/src/**', '**/chat-model/src/**'], message: 'The app uses the packages through their exports.' },
  ]),
  {
    files: ['**/test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'apps/*/scripts/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
