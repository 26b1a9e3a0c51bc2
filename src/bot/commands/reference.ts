/**
 * The README's list of commands, generated from the definitions as `/help` is, so that it cannot
 * drift from what the commands accept: `npm run readme:commands` writes it, and a test checks it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../bot.ts';
import { botEnvironmentSchema } from '../config.ts';
import { createLogger } from '../logger.ts';
import { describeRange } from './help.ts';
import type { CommandDefinition } from './types.ts';

export const COMMANDS_START = '<!-- commands: generated from src/bot/commands by `npm run readme:commands` -->';
export const COMMANDS_END = '<!-- end of commands -->';

/** Every command under the default configuration (the ranges of `size` and the rest follow it). */
export async function defaultCommandDefinitions(): Promise<CommandDefinition[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'impasto-commands-'));
  try {
    const bot = createBot({ env: botEnvironmentSchema.parse({ IMPASTO_DATA_DIR: dataDir, IMPASTO_DEFAULT_LIBRARY: 'false' }), logger: createLogger({ level: 'silent', secrets: [] }) });
    const definitions = bot.commands.map((command) => command.definition);
    await bot.stop();
    return definitions;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** One item per command, its options nested under it. */
export function describeCommandsInMarkdown(definitions: readonly CommandDefinition[]): string {
  return definitions
    .map((definition) => {
      const options = Object.entries(definition.options).map(([name, option]) => `  - \`${name}\`${option.required ? ' (required)' : ''}: ${option.description}${describeRange(option)}`);
      return [`- **\`/${definition.name}\`**: ${definition.description}`, ...options].join('\n');
    })
    .join('\n');
}

/** `readme` with the text between the markers replaced by `list`. */
export function withCommandList(readme: string, list: string): string {
  const start = readme.indexOf(COMMANDS_START);
  const end = readme.indexOf(COMMANDS_END);
  if (start < 0 || end < start) throw new Error(`The README has no command list between "${COMMANDS_START}" and "${COMMANDS_END}".`);
  return `${readme.slice(0, start + COMMANDS_START.length)}\n${list}\n${readme.slice(end)}`;
}
