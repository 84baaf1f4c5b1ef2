#!/usr/bin/env node
// The `localfire` command. A published package runs the compiled CLI from dist/; in this
// repository (no build step) it runs the TypeScript sources through tsx's API.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { tsImport } = await import('tsx/esm/api');
  cli = await tsImport('../src/cli/main.ts', import.meta.url);
}
try {
  await cli.main(process.argv);
} catch (e) {
  process.stderr.write(`localfire: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
