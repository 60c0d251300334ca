#!/usr/bin/env node
// The `herald` command. An installed package runs its compiled code; a clone of the repository runs the
// TypeScript sources through tsx, so `npx herald` works there without a build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/server/main.js', import.meta.url));
if (existsSync(compiled)) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../server/main.ts', import.meta.url).href);
}
