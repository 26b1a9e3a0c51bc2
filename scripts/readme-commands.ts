/** `npm run readme:commands`: rewrites the README's list of commands from their definitions. */
import { readFile, writeFile } from 'node:fs/promises';
import { defaultCommandDefinitions, describeCommandsInMarkdown, withCommandList } from '../src/bot/commands/reference.ts';

const readme = await readFile('README.md', 'utf8');
await writeFile('README.md', withCommandList(readme, describeCommandsInMarkdown(await defaultCommandDefinitions())));
process.stderr.write('README.md: command list written\n');
