#!/usr/bin/env node
// impasto is written in TypeScript and runs from source through tsx: no build step to forget.
import { register } from 'tsx/esm/api';

register();

// Settings from .env (or IMPASTO_ENV_FILE) fill in what the shell did not set (the shell wins).
const { loadSettingsFile } = await import('../src/cli/env-file.ts');
try {
  loadSettingsFile();
} catch (error) {
  process.stderr.write(`impasto: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

// The commands that paint in this process start again with glibc's malloc asking for huge pages
// (src/engine/huge-pages.ts: about a quarter less time a job); `start` and `worker` paint in engine
// processes of their own, which the engine host starts so. Not for a help page: nothing is painted,
// and starting twice took a third of its time.
const PAINTING_COMMANDS = new Set(['stylize', 'fast', 'train-style']);
const paints = PAINTING_COMMANDS.has(process.argv[2] ?? '') && !process.argv.slice(3).some((arg) => arg === '--help' || arg === '-h');
const { runAgainWithHugePages } = await import('../src/engine/huge-pages.ts');
if (!(paints && runAgainWithHugePages())) await import('../src/cli/main.ts');
