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

  it('links only to headings it has (as GitHub writes their anchors)', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const withoutCode = readme.replace(/```[\s\S]*?```/g, '');
    // GitHub's anchor: lowercase, punctuation dropped, each space a dash.
    const anchors = new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => heading!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
    const links = [...withoutCode.matchAll(/\]\(#([^)]+)\)/g)].map(([, anchor]) => anchor!);
    expect(links.length).toBeGreaterThan(20);
    expect(links.filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });

  it('refuses to write a command list where it has no place for one', () => {
    expect(() => withCommandList('# no markers', '- x')).toThrow(/no command list between/);
  });
});
