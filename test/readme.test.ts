import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCommandDefinitions, describeCommandsInMarkdown, withCommandList } from '../src/bot/commands/reference.ts';
import { settingNames } from '../src/bot/config.ts';

describe('the README', () => {
  it('lists every command and option as the definitions say', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const current = withCommandList(readme, describeCommandsInMarkdown(await defaultCommandDefinitions()));
    expect(current, 'the command list is out of date: run `npm run readme:commands`').toBe(readme);
  });

  it('documents every environment variable the bot and the worker read, in a table row of its own', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const variables = settingNames();
    expect(variables.size).toBeGreaterThan(40);
    expect([...variables].filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it('links only to files and headings there are, in the README and in docs/ (as GitHub writes anchors)', async () => {
    const root = new URL('../', import.meta.url);
    const files = ['README.md', ...(await readdir(new URL('docs/', root))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
    const texts = new Map(await Promise.all(files.map(async (file) => [file, (await readFile(new URL(file, root), 'utf8')).replace(/```[\s\S]*?```/g, '')] as const)));
    // GitHub's anchor: lowercase, punctuation dropped, each space a dash.
    const anchorsOf = (text: string) => new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => heading!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
    const broken: string[] = [];
    let checked = 0;
    for (const [file, text] of texts) {
      for (const [, target] of text.matchAll(/\]\(((?!https?:)[^)\s]*)\)/g)) {
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const linked = path === '' ? file : posix.normalize(posix.join(posix.dirname(file), path));
        checked += 1;
        if (!existsSync(new URL(linked, root))) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor !== undefined && !anchorsOf(texts.get(linked) ?? '').has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(broken).toEqual([]);
  });

  it('says why each dependency is there, each pinned to one version (libheif-js was a range, which `npm update` would have moved)', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Dependencies, and why'), readme.indexOf('\n## ', readme.indexOf('## Dependencies, and why') + 1));
    const { dependencies, devDependencies } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;
    const all = Object.entries({ ...dependencies, ...devDependencies });
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version!)).map(([name, version]) => `${name}@${version}`)).toEqual([]);
    // The type packages go with the libraries they describe. The table shortens a family as `@tensorflow/tfjs-core`, `-backend-wasm`.
    const named = (name: string) => table.includes(`\`${name}\``) || table.includes(`\`-${name.replace(/^@tensorflow\/tfjs-/, '')}\``);
    expect(all.map(([name]) => name).filter((name) => !name.startsWith('@types/') && !named(name))).toEqual([]);
  });

  it('refuses to write a command list where it has no place for one', () => {
    expect(() => withCommandList('# no markers', '- x')).toThrow(/no command list between/);
  });
});
