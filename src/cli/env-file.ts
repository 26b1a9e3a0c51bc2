import { readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Fills in, from the `.env` file at `path`, the settings `env` lacks (the shell wins), as Node's
 * `process.loadEnvFile` would, but for the files it misread: one saved with a byte-order mark (as
 * Windows editors may) had its first setting named "\uFEFFDISCORD_TOKEN", and so silently unset,
 * and one in UTF-16 (Windows PowerShell's `>`) set nothing. A folder of that name (a Python
 * virtualenv's, often) holds no settings: reading it stopped every command with Node's stack trace.
 * Throws the file system's error for a file that cannot be read.
 */
export function loadEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return;
  const settings = parseEnv(textOf(readFileSync(path)));
  for (const [name, value] of Object.entries(settings)) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
}

function textOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}
