import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runImpastoPrinting } from '../helpers/app.ts';
import { SHARED_FAST_DIR, sharedImagePath, writeTruncatedPhoto } from '../helpers/shared.ts';

const FORBID_IMPORTS = fileURLToPath(new URL('../helpers/forbid-imports.mjs', import.meta.url));
/** What the bot's side loads: the chat platforms' clients and the distributed queue. */
const CHAT_LIBRARIES = ['discord.js', '@slack/bolt', 'bullmq'];
const COMMANDS = ['stylize', 'fast', 'train-style', 'start', 'worker', 'doctor', 'status', 'styles', 'discord', 'weights'];

/** `impasto <args>` with the packages `forbidden` made impossible to import (an import of one fails the run). */
function impastoForbidding(forbidden: readonly string[], args: readonly string[], env: Record<string, string> = {}) {
  return runImpastoPrinting(args, { env: { ...env, NODE_OPTIONS: `--import ${FORBID_IMPORTS}`, IMPASTO_TEST_FORBIDDEN_IMPORTS: forbidden.join(',') } });
}

// The command line loads only the command it runs: importing the chat libraries and TensorFlow.js
// for every command made `impasto --help` take three seconds.
describe('the command line loads only the command it runs', () => {
  it('lists every command and prints its version without loading the chat libraries or TensorFlow.js', async () => {
    const forbidden = [...CHAT_LIBRARIES, '@tensorflow/tfjs-core', 'onnxruntime-node'];
    const help = await impastoForbidding(forbidden, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.match(/^ {2}([a-z-]+) /gm)?.map((line) => line.trim())).toEqual([...COMMANDS, 'help']);
    const { version } = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(await impastoForbidding(forbidden, ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await impastoForbidding(forbidden, ['stylise'])).toEqual({ code: 2, stdout: '', stderr: "impasto: unknown command 'stylise'\n(Did you mean stylize?)\n(add --help for how to use it)\n" });
  });

  it("shows every command's help without loading the chat libraries, the queue, TensorFlow.js or onnxruntime", async () => {
    // `impasto doctor --help` took 2.6 s: its module loaded every part of impasto to print two options;
    // `impasto start --help` 2 s, `impasto train-style --help` 1.3 s, for the code their actions run (now 0.4–0.5 s).
    const forbidden = [...CHAT_LIBRARIES, '@tensorflow/tfjs-core', 'onnxruntime-node'];
    for (const command of [...COMMANDS.map((name) => [name]), ['discord', 'register'], ['styles', 'list']]) {
      const help = await impastoForbidding(forbidden, [...command, '--help']);
      expect(help.stderr, command.join(' ')).toBe('');
      expect(help.stdout, command.join(' ')).toMatch(new RegExp(`^Usage: impasto ${command.join(' ')} `));
    }
  });

  it('lists and removes library styles without loading TensorFlow.js or onnxruntime', async () => {
    // It loaded TensorFlow.js and onnxruntime (0.95 s, now 0.67 s): reading a job's trained networks from the methods' option tables loaded the methods' code.
    const data = await mkdtemp(join(tmpdir(), 'impasto-cli-library-'));
    try {
      const forbidden = [...CHAT_LIBRARIES, '@tensorflow/tfjs-core', 'onnxruntime-node'];
      const env = { IMPASTO_DATA_DIR: data, IMPASTO_DEFAULT_LIBRARY: 'true' };
      const listed = await impastoForbidding(forbidden, ['styles', 'list'], env);
      expect([listed.code, listed.stderr]).toEqual([0, '']);
      expect(listed.stdout).toMatch(/^starry-night +The Starry Night/m);
      expect(await impastoForbidding(forbidden, ['styles', 'remove', 'starry-night'], env)).toMatchObject({ code: 0, stderr: expect.stringMatching(/^removed starry-night/) });
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it("runs onnxruntime with its telemetry off: no upload session nor scratch log in TMPDIR after a painting command", async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'impasto-cli-scratch-'));
    try {
      await mkdir(join(scratch, 'tmp'));
      // Without CI set, as on a user's machine: onnxruntime turns its telemetry off by itself only where CI is set.
      const env = { TMPDIR: join(scratch, 'tmp'), IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR, CI: undefined };
      const run = await runImpastoPrinting(['fast', sharedImagePath('content_dog.jpg'), '--network', 'udnie', '--size', '64', '-o', join(scratch, 'out.png')], { env });
      expect([run.code, run.stderr]).toEqual([0, expect.stringMatching(/^wrote /)]);
      expect((await readdir(join(scratch, 'tmp'))).filter((name) => name.startsWith('mat-debug-') || name === '.ses')).toEqual([]);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it("defines the command asked for, or whose help is asked for, with all its options", async () => {
    for (const args of [['stylize', '--help'], ['help', 'stylize']]) {
      const help = await impastoForbidding(CHAT_LIBRARIES, args);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: impasto stylize \[options\] <content> <styles\.\.\.>/);
      expect(help.stdout).toContain('--style-scale <value>');
    }
  });

  it('lists each command with the arguments its own help names', async () => {
    const root = await runImpastoPrinting(['--help']);
    const ownHelps = await Promise.all(COMMANDS.map((command) => runImpastoPrinting([command, '--help'])));
    for (const [index, command] of COMMANDS.entries()) {
      // `Usage: impasto stylize [options] <content> <styles...>`: the root help leaves out what every command has.
      const usage = ownHelps[index]!.stdout.split('\n')[0]!.replace(/^Usage: impasto /, '').replace(/ \[(options|command)\]/g, '');
      expect(root.stdout, command).toMatch(new RegExp(`^  ${usage.replace(/[.[\]]/g, '\\$&')}  `, 'm'));
    }
    expect(root.stdout).toMatch(/^ {2}stylize <content> <styles\.\.\.> {2}/m);
  });

  it('refuses what a painting command cannot paint before it loads either engine (TensorFlow.js, onnxruntime), or pino', async () => {
    // Each refusal waited for them to import first: 1.35 s for a mistyped file name, 0.3 s of it theirs.
    const forbidden = [...CHAT_LIBRARIES, '@tensorflow/tfjs-core', 'onnxruntime-node', 'pino'];
    const photo = sharedImagePath('content_dog.jpg');
    // Its header is whole, so only decoding it finds the damage (which came after the engine had started).
    const scratch = await mkdtemp(join(tmpdir(), 'impasto-cli-damaged-'));
    const damaged = join(scratch, 'half.jpg');
    await writeTruncatedPhoto('content_dog.jpg', damaged);
    const refusals: [readonly string[], string][] = [
      [['stylize', photo, 'no-such-painting.jpg'], 'Cannot read the style image no-such-painting.jpg: there is no such file or folder.'],
      [['stylize', photo, sharedImagePath('style_udnie.jpg'), '--size', '9999'], '--size must be at most 2048.'],
      [['stylize', damaged, sharedImagePath('style_udnie.jpg'), '-o', join(scratch, 'out.png')], 'The content image could not be decoded; it looks damaged or truncated.'],
      [['fast', 'no-such-photo.jpg', '--network', 'udnie'], 'Cannot read the content image no-such-photo.jpg: there is no such file or folder.'],
      [['fast', damaged, '--network', 'udnie', '-o', join(scratch, 'out.png')], 'The content image could not be decoded; it looks damaged or truncated.'],
      [['train-style', 'no-such-painting.jpg', '--photos', '.'], 'Cannot read the painting no-such-painting.jpg: there is no such file or folder.'],
    ];
    try {
      for (const [args, message] of refusals) expect(await impastoForbidding(forbidden, args), args.join(' ')).toEqual({ code: 2, stdout: '', stderr: `impasto: ${message}\n` });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('refuses a missing file in `impasto stylize`, and paints, without the chat libraries or the person model\'s TensorFlow.js', async () => {
    // `@tensorflow/tfjs` whole (its graph models) is the person model's; the engine needs only tfjs-core.
    const forbidden = [...CHAT_LIBRARIES, '@tensorflow/tfjs'];
    expect(await impastoForbidding(forbidden, ['stylize', sharedImagePath('content_dog.jpg'), 'no-such-painting.jpg'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'impasto: Cannot read the style image no-such-painting.jpg: there is no such file or folder.\n',
    });
    const dir = await mkdtemp(join(tmpdir(), 'impasto-cli-commands-'));
    try {
      const painted = await impastoForbidding(forbidden, ['stylize', sharedImagePath('content_dog.jpg'), sharedImagePath('style_udnie.jpg'), '--size', '64', '--iterations', '2', '-o', join(dir, 'out.png')]);
      expect(painted.code).toBe(0);
      expect(painted.stderr).toContain(`wrote ${join(dir, 'out.png')} (64×48, 2 iterations`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
