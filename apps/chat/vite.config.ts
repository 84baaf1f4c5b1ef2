// The chat app's Vite config: `npm start` (dev server) and the end-to-end tests use it.
// Packages resolve to their TypeScript sources (the `localfire-source` condition); the SQLite
// WASM package is not pre-bundled (its worker and .wasm load by URL).
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: { conditions: ['localfire-source', ...defaultClientConditions] },
  server: { host: '127.0.0.1' },
  optimizeDeps: {
    include: ['react', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'firebase/app', 'firebase/firestore'],
    exclude: ['@sqlite.org/sqlite-wasm'],
  },
  worker: { format: 'es' },
});
