#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest), so that on a fresh clone those
// two commands do all the set-up: install the npm dependencies when they are missing or older
// than package-lock.json, and, for the tests, Debian's chromium when it is missing (as root).
// Plain Node with no dependencies: it runs before anything is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[2] ?? 'start';
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('localfire: installing npm dependencies (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

if (purpose === 'test' && !existsSync('/usr/bin/chromium')) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('localfire: installing Debian chromium for the browser tests...');
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  } else {
    console.error('localfire: the browser tests need Chromium at /usr/bin/chromium: apt-get install chromium');
    process.exit(1);
  }
}
