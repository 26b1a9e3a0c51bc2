import { readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describeFileError } from '../engine/errors.ts';

/**
 * The settings file every command reads before it starts: IMPASTO_ENV_FILE where set (it must be
 * there), else `.env` in the working directory where there is one (a folder of that name, as a
 * Python virtualenv often is, is none: reading it stopped every command with Node's stack trace).
 * The tests set IMPASTO_ENV_FILE to /dev/null: a developer's `.env`, with the bot's real tokens as
 * the README suggests, reached the bots they start, which then logged in to Discord.
 */
export function loadSettingsFile(env: NodeJS.ProcessEnv = process.env): void {
  const file = readSettingsFile(env);
  if (file) fillIn(env, file.settings);
}

/** The settings file looked for: the one IMPASTO_ENV_FILE names (`named`), else `.env` in the working directory. */
export function settingsFileOf(env: NodeJS.ProcessEnv = process.env): { readonly path: string; readonly named: boolean } {
  const named = env.IMPASTO_ENV_FILE?.trim();
  return named ? { path: named, named: true } : { path: '.env', named: false };
}

/** The settings file `loadSettingsFile` reads, and what it holds (`impasto doctor` names them); undefined where there is none. */
export function readSettingsFile(env: NodeJS.ProcessEnv = process.env): { readonly path: string; readonly settings: NodeJS.Dict<string> } | undefined {
  const { path, named } = settingsFileOf(env);
  if (!named && !statSync(path, { throwIfNoEntry: false })?.isFile()) return undefined;
  try {
    return { path, settings: parseEnv(textOf(readFileSync(path))) };
  } catch (error) {
    throw new Error(`Cannot read the settings in ${path}${named ? ' (IMPASTO_ENV_FILE)' : ''}: ${describeFileError(error)}.`);
  }
}

/** The settings `env` lacks, from the file: the shell wins, as with Node's `process.loadEnvFile`. */
function fillIn(env: NodeJS.ProcessEnv, settings: NodeJS.Dict<string>): void {
  for (const [name, value] of Object.entries(settings)) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
}

/**
 * The file's text as its editor meant it, where `process.loadEnvFile` misread two: one saved with a
 * byte-order mark (as Windows editors may) had its first setting named "\uFEFFDISCORD_TOKEN", and
 * so silently unset, and one in UTF-16 (Windows PowerShell's `>`) set nothing.
 */
function textOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}
