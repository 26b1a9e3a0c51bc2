#!/usr/bin/env node
// impasto is written in TypeScript and runs from source through tsx: no build step to forget.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// Settings from .env fill in what the shell did not set (the shell wins).
if (existsSync('.env')) process.loadEnvFile('.env');
register();
await import('../src/cli/main.ts');
