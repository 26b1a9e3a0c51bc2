// Loaded with `node --import` (see test/cli/commands.test.ts): any import of a package named in
// IMPASTO_TEST_FORBIDDEN_IMPORTS (comma-separated) fails, naming it, so a test can show that a command
// never loads it.
import { register } from 'node:module';

register('./forbid-imports-hooks.mjs', import.meta.url, { data: (process.env.IMPASTO_TEST_FORBIDDEN_IMPORTS ?? '').split(',').filter(Boolean) });
