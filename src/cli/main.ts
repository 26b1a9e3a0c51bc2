import { readFileSync } from 'node:fs';
import { Command } from 'commander';

/**
 * The command line's commands: a name, its arguments and a line for `impasto --help`, and the module
 * that defines the rest (arguments again, with their descriptions; options; action) in `commands/`.
 * Only the command being run is loaded: the bot's chat libraries, the engine and TensorFlow.js take
 * seconds to import, which `impasto --help`, a mistyped command or `impasto stylize`'s refusal of a
 * missing file need not wait for. (`test/cli/commands.test.ts` holds the two arguments together.)
 */
const COMMANDS: readonly { readonly name: string; readonly arguments?: string; readonly description: string; readonly load: () => Promise<{ define(command: Command): void }> }[] = [
  { name: 'stylize', arguments: '<content> <styles...>', description: 'paint the content image in the style of the style image', load: () => import('./commands/stylize.ts') },
  { name: 'fast', arguments: '<content>', description: 'paint a photo with a feed-forward network trained for one painting (seconds; see IMPASTO_FAST_WEIGHTS_DIR)', load: () => import('./commands/fast.ts') },
  { name: 'train-style', arguments: '<painting>', description: 'train a fast network for a painting (Johnson et al.): afterwards `impasto fast --network <name>` paints with it in seconds', load: () => import('./commands/train-style.ts') },
  { name: 'start', description: 'run the bot: the web playground, and the chat adapters that are configured', load: () => import('./commands/start.ts') },
  { name: 'worker', description: 'run jobs from the Redis queue (REDIS_URL) on this machine: one engine per lane (IMPASTO_WORKER_LANES)', load: () => import('./commands/worker.ts') },
  { name: 'doctor', description: 'print what this machine can use, and why not: engine and backend, GPU adapter, weights, ffmpeg, Redis, and whether Discord and Slack take the tokens set', load: () => import('./commands/doctor.ts') },
  { name: 'status', description: 'print the queue and, with REDIS_URL set, the workers', load: () => import('./commands/status.ts') },
  { name: 'styles', description: 'manage the style library', load: () => import('./commands/styles.ts') },
  { name: 'discord', description: 'set the bot up on Discord', load: () => import('./commands/discord.ts') },
  { name: 'weights', description: 'manage the VGG-19 weights, the fast networks and the segmentation model', load: () => import('./commands/weights.ts') },
];

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// A mistyped option is one line, as the engine's refusals are, with the way to the rest (the whole
// help after it pushed the line off the screen), and exits 2 as they do; the subcommands inherit this.
const program = new Command('impasto')
  .description('Neural style transfer (Gatys et al.) on onnxruntime or TensorFlow.js')
  .version(version, '-V, --version', 'print the version')
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'impasto: ')) })
  .showHelpAfterError('(add --help for how to use it)')
  .configureHelp({ subcommandTerm: describeCommand })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

const asked = commandAsked(process.argv.slice(2));
for (const { name, description, load } of COMMANDS) {
  const command = program.command(name).description(description);
  if (name === asked) (await load()).define(command);
}

/**
 * A command as the root help lists it, with its arguments: from the table, as the root help cannot
 * ask them of a module it does not load (`help [command]`: commander's own).
 */
function describeCommand(command: Command): string {
  const listed = COMMANDS.find(({ name }) => name === command.name());
  const usage = listed ? (listed.arguments ?? '') : command.usage();
  return `${command.name()} ${usage}`.trim();
}

/** The command a command line runs, or whose help it asks for (`impasto help stylize`). */
function commandAsked(args: readonly string[]): string | undefined {
  return args[0] === 'help' ? args[1] : args[0];
}

try {
  await program.parseAsync();
} catch (error) {
  // Loaded here, not above: `impasto --help` has no need of the configuration's or the bot's modules.
  const [{ CancelledError, InputError, WeightsError }, { BotError, isOutOfSpace }, { ConfigError }] = await Promise.all([import('../engine/errors.ts'), import('../bot/errors.ts'), import('../bot/config.ts')]);
  // Problems a user can fix get one clear line; anything else is a bug and keeps its stack.
  if (error instanceof InputError || error instanceof WeightsError || error instanceof ConfigError || error instanceof CancelledError || error instanceof BotError) {
    process.stderr.write(`impasto: ${error.message}\n`);
    // At once: what a failed start had opened (a Redis connection, an engine) must not keep the process up.
    process.exit(error instanceof CancelledError ? 130 : 2);
  } else if (isOutOfSpace(error)) {
    process.stderr.write(`impasto: the disk is full (${(error as Error).message}): make room, then run it again (\`npx impasto doctor\` says how much room the data directory has).\n`);
    process.exit(2);
  } else if ((error as { code?: string }).code === 'ENOENT') {
    process.stderr.write(`impasto: ${(error as Error).message}\n`);
    process.exit(2);
  } else {
    throw error;
  }
}
