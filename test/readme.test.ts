import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultCommandDefinitions, describeCommandsInMarkdown, withCommandList } from '../src/bot/commands/reference.ts';
import { botEnvironmentSchema, workerEnvironmentSchema } from '../src/bot/config.ts';

describe('the README', () => {
  it('lists every command and option as the definitions say', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const current = withCommandList(readme, describeCommandsInMarkdown(await defaultCommandDefinitions()));
    expect(current, 'the command list is out of date: run `npm run readme:commands`').toBe(readme);
  });

  it('documents every environment variable the bot and the worker read, in a table row of its own', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const variables = new Set([...Object.keys(botEnvironmentSchema.innerType().shape), ...Object.keys(workerEnvironmentSchema.shape)]);
    expect(variables.size).toBeGreaterThan(40);
    expect([...variables].filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it('refuses to write a command list where it has no place for one', () => {
    expect(() => withCommandList('# no markers', '- x')).toThrow(/no command list between/);
  });
});
