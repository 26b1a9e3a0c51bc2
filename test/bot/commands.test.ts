import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCommand } from '../../src/bot/commands/define.ts';
import type { ArgsOf, UploadedImage } from '../../src/bot/commands/types.ts';
import { createHelpCommand } from '../../src/bot/commands/help.ts';
import { CONTEST_START_WORDS, optionsFromWords, parseCommandText, STYLE_ADD_WORDS, stylizeArgsOfText } from '../../src/bot/commands/text.ts';
import type { Platform } from '../../src/bot/commands/types.ts';
import { contextFor } from '../helpers/bot.ts';
import { parseArgs } from '../../src/bot/commands/validate.ts';
import { BotError } from '../../src/bot/errors.ts';
import { closestNames } from '../../src/suggest.ts';

const example = defineCommand(
  {
    name: 'example',
    description: 'an example',
    options: {
      photo: { type: 'image', description: 'a photo', required: true },
      size: { type: 'integer', description: 'size', min: 64, max: 512, default: 256 },
      weight: { type: 'number', description: 'weight', min: 0, max: 1e12 },
      optimizer: { type: 'choice', description: 'optimizer', choices: ['lbfgs', 'adam'], default: 'lbfgs' },
      name: { type: 'text', description: 'a name', maxLength: 8 },
      flag: { type: 'boolean', description: 'a flag' },
    },
  },
  async () => ({ text: 'ok' }),
);

const photo: UploadedImage = { bytes: new Uint8Array([1]), name: 'a.png' };

function refusal(raw: Record<string, unknown>): BotError {
  try {
    parseArgs(example.definition, raw);
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('command definitions', () => {
  it('derive the handler argument types: required and defaulted options are present', () => {
    type Args = ArgsOf<typeof example.definition>;
    expectTypeOf<Args['photo']>().toEqualTypeOf<UploadedImage>();
    expectTypeOf<Args['size']>().toEqualTypeOf<number>();
    expectTypeOf<Args['optimizer']>().toEqualTypeOf<'lbfgs' | 'adam'>();
    expectTypeOf<Args['weight']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Args['flag']>().toEqualTypeOf<boolean | undefined>();
  });

  it('fill defaults and coerce text values (Slack and the web form send text)', () => {
    expect(parseArgs(example.definition, { photo, weight: '1e5', flag: 'yes', name: ' x ' })).toEqual({
      photo,
      size: 256,
      weight: 1e5,
      optimizer: 'lbfgs',
      flag: true,
      name: 'x',
    });
    // A choice typed in other capitals is that choice.
    expect(parseArgs(example.definition, { photo, optimizer: ' ADAM ' }).optimizer).toBe('adam');
    // A number as a person writes one.
    for (const [typed, read] of [[' 128 ', 128], ['+128', 128], ['128.0', 128], ['1.28e2', 128]] as const) expect(parseArgs(example.definition, { photo, size: typed }).size).toBe(read);
    expect(parseArgs(example.definition, { photo, weight: '.5' }).weight).toBe(0.5);
  });

  it.each([
    [{ photo, size: 1000 }, 'size', 'size must be a whole number from 64 to 512.'],
    [{ photo, size: '12.5' }, 'size', 'size must be a whole number from 64 to 512.'],
    [{ photo, size: 'big' }, 'size', 'size must be a whole number from 64 to 512.'],
    // As JavaScript reads numbers, these were 256, 64 and 256.
    [{ photo, size: '0x100' }, 'size', 'size must be a whole number from 64 to 512.'],
    [{ photo, size: '0b1000000' }, 'size', 'size must be a whole number from 64 to 512.'],
    [{ photo, size: '0o400' }, 'size', 'size must be a whole number from 64 to 512.'],
    [{ photo, weight: -1 }, 'weight', 'weight must be a number from 0 to 1e12.'],
    [{ photo, weight: 'Infinity' }, 'weight', 'weight must be a number from 0 to 1e12.'],
    [{ photo, optimizer: 'sgd' }, 'optimizer', 'optimizer must be one of lbfgs, adam.'],
    [{ photo, optimizer: 'adma' }, 'optimizer', 'optimizer must be one of lbfgs, adam (did you mean adam?).'],
    [{ photo, optimizer: 'l-bfgs' }, 'optimizer', 'optimizer must be one of lbfgs, adam (did you mean lbfgs?).'],
    [{ photo, name: 'much-too-long' }, 'name', 'name must be at most 8 characters.'],
    [{ photo, flag: 'perhaps' }, 'flag', 'flag must be true or false.'],
    [{}, 'photo', 'photo is required: a photo.'],
    // Typed as text in a Slack command or a mention.
    [{ photo: 'holiday.jpg' }, 'photo', 'photo takes an uploaded picture, not text: a photo.'],
    [{ photo, colour: 'red' }, 'colour', '/example has no option "colour". Its options are: photo, size, weight, optimizer, name, flag.'],
    // A slip, or the name written as another platform writes names: the option it most likely meant.
    [{ photo, sise: 512 }, 'sise', '/example has no option "sise": did you mean size? Its options are: photo, size, weight, optimizer, name, flag.'],
    [{ photo, Optimiser: 'adam' }, 'Optimiser', '/example has no option "Optimiser": did you mean optimizer? Its options are: photo, size, weight, optimizer, name, flag.'],
    [{ photo, ab: 1 }, 'ab', '/example has no option "ab". Its options are: photo, size, weight, optimizer, name, flag.'],
  ])('name the option and what it accepts: %j', (raw, field, message) => {
    const error = refusal(raw);
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
  });
});

describe('/help', () => {
  it('begins, in a chat, with the ways to ask that are not commands; the playground is its own form', async () => {
    const help = createHelpCommand([example.definition]);
    const textFor = async (platform: Platform) => (await help.handle(contextFor('someone', { platform }), {})).text;
    expect(await textFor('discord')).toMatch(/^Ways to ask: .*reply to a picture with @impasto starry-night.*direct message\.\n\n\/example: an example\n/s);
    expect(await textFor('slack')).toMatch(/^Ways to ask: .*@impasto starry-night in a picture's thread.*Messages tab.*\n\n\/impasto example: an example\n/s);
    expect(await textFor('web')).toMatch(/^\/example: an example\n/);
  });

  it('names each command as it is typed there: on Slack the rest go through /impasto', async () => {
    const stylize = { ...example.definition, name: 'stylize' };
    const help = createHelpCommand([stylize, example.definition]);
    const slack = (await help.handle(contextFor('someone', { platform: 'slack' }), {})).text;
    expect(slack).toMatch(/\n\/stylize: an example\n\/impasto example: an example\n\/impasto help: How to use the bot\n/);
    expect(slack).toContain('The other commands are /impasto <command>, with options as key=value');
    expect((await help.handle(contextFor('someone', { platform: 'discord' }), {})).text).toMatch(/\n\/example: an example\n/);
  });

  it('in a direct message, names in one line what works only in a community’s channels', async () => {
    const command = (name: string, where?: 'channels' | 'community') => ({ ...example.definition, name, ...(where ? { where } : {}) });
    const help = createHelpCommand([command('stylize'), command('settings', 'community'), command('contest start', 'channels'), command('contest enter', 'channels'), command('style add', 'community')]);
    const inDirectMessage = async (platform: Platform, ofCommunity: boolean) => (await help.handle({ ...contextFor('someone', { platform }), direct: { ofCommunity } }, {})).text;
    // A Discord direct message belongs to no server: neither its settings nor its library are there.
    const discord = await inDirectMessage('discord', false);
    expect(discord).toMatch(/\n\n\/stylize: an example\n\/help: How to use the bot\nNot here but in a server's channels: \/settings, \/contest start\|enter, \/style add\.\n\n/);
    // Slack's is the workspace's, whose settings and library it changes: only the contests are elsewhere.
    const slack = await inDirectMessage('slack', true);
    expect(slack).toContain("\n/impasto settings: an example\n/impasto style add: an example\n/impasto help: How to use the bot\nNot here but in a workspace's channels: /impasto contest start|enter.\n");
    // In a channel every command is listed, and nothing is said to be elsewhere.
    expect((await help.handle(contextFor('someone', { platform: 'discord' }), {})).text).not.toContain('Not here');
  });

  it('lists the commands one line each, and a command’s options when asked for it', async () => {
    const help = createHelpCommand([example.definition]);
    const discord = await help.handle(contextFor('someone', { platform: 'discord' }), {});
    expect(discord.text).toMatch(/\n\n\/example: an example\n\/help: How to use the bot\n\nA command's options: \/help command:stylize$/);
    expect((await help.handle(contextFor('someone', { platform: 'slack' }), {})).text).toMatch(/\nA command's options: \/impasto help stylize$/);
    const one = await help.handle(contextFor('someone', { platform: 'discord' }), { command: 'example' });
    expect(one.text).toBe([
      '/example: an example',
      '  • photo (required): a photo',
      '  • size: size (64–512, default 256)',
      '  • weight: weight (0–1e12)',
      '  • optimizer: optimizer (lbfgs | adam, default lbfgs)',
      '  • name: a name',
      '  • flag: a flag',
    ].join('\n'));
    expect(help.definition.options.command.choices).toEqual(['example']);
    expect(() => parseArgs(help.definition, { command: 'nope' })).toThrow('command must be one of example.');
  });
});

describe('commands typed as text', () => {
  it('take the words and key=value options; for stylize the first word names the style, or a blend its words', () => {
    expect(parseCommandText('  style add  Monet size=64 Strength=8 mode= ')).toEqual({ words: ['style', 'add', 'Monet'], options: { size: '64', strength: '8', mode: '' } });
    expect(stylizeArgsOfText(' starry-night please size=1536 ')).toEqual({ style_name: 'starry-night', size: '1536' });
    expect(stylizeArgsOfText('size=1536')).toEqual({ size: '1536' });
    expect(stylizeArgsOfText('')).toEqual({});
    // A style given as key=value is not replaced by a word.
    expect(stylizeArgsOfText('style_name=udnie please')).toEqual({ style_name: 'udnie' });
    // A blend is several words: each goes on across its comma (the second style was dropped).
    expect(stylizeArgsOfText('starry-night:0.7, the-scream:0.3 size=512 please')).toEqual({ style_name: 'starry-night:0.7, the-scream:0.3', size: '512' });
    expect(stylizeArgsOfText('udnie , great-wave ,the-scream please')).toEqual({ style_name: 'udnie , great-wave ,the-scream' });
  });

  it('fill, with words, the options not given as key=value, in order: the last takes every word left', () => {
    const contestStart = (text: string) => {
      const { words, options } = parseCommandText(text);
      return optionsFromWords(words, options, CONTEST_START_WORDS);
    };
    expect(contestStart('great-wave 2h Winter waves')).toEqual({ style_name: 'great-wave', ends: '2h', title: 'Winter waves' });
    expect(contestStart('great-wave 2026-12-24 18:00 UTC Winter waves')).toEqual({ style_name: 'great-wave', ends: '2026-12-24 18:00 UTC', title: 'Winter waves' });
    expect(contestStart('great-wave ends=2h Snow at dusk')).toEqual({ style_name: 'great-wave', ends: '2h', title: 'Snow at dusk' });
    // A duration in words is the end's too ("2" was the end, and "hours Winter waves" the title).
    expect(contestStart('great-wave 2 hours Winter waves')).toEqual({ style_name: 'great-wave', ends: '2 hours', title: 'Winter waves' });
    expect(contestStart('great-wave 1 day and 12 hours Winter waves')).toEqual({ style_name: 'great-wave', ends: '1 day and 12 hours', title: 'Winter waves' });
    expect(contestStart('style_name=great-wave 3d title="Spring rain"')).toEqual({ style_name: 'great-wave', ends: '3d', title: 'Spring rain' });
    expect(contestStart('great-wave')).toEqual({ style_name: 'great-wave', ends: undefined, title: undefined });
    const styleAdd = (text: string) => {
      const { words, options } = parseCommandText(text);
      return optionsFromWords(words, options, STYLE_ADD_WORDS);
    };
    expect(styleAdd('monet Impression, Sunrise')).toEqual({ name: 'monet', title: 'Impression, Sunrise' });
    // The title lost its first word to the name the option replaced.
    expect(styleAdd('name=monet Impression, Sunrise')).toEqual({ name: 'monet', title: 'Impression, Sunrise' });
  });

  it('take a value with spaces in straight or curly quotes', () => {
    expect(parseCommandText('contest start title="Winter waves" ends=2h')).toEqual({ words: ['contest', 'start'], options: { title: 'Winter waves', ends: '2h' } });
    expect(parseCommandText('style add monet title=“Impression, Sunrise”')).toEqual({ words: ['style', 'add', 'monet'], options: { title: 'Impression, Sunrise' } });
    // A quote left open is part of the value (the option's own check then says what is wrong), not a swallowed rest.
    expect(parseCommandText('title="Winter waves ends=2h')).toEqual({ words: ['waves'], options: { title: '"Winter', ends: '2h' } });
  });
});

describe('closest names', () => {
  const names = ['starry-night', 'the-scream', 'great-wave', 'udnie', 'composition-vii'];
  it('suggests what a typo meant', () => {
    expect(closestNames('stary-nite', names)[0]).toBe('starry-night');
    expect(closestNames('scream', names)[0]).toBe('the-scream');
    expect(closestNames('wave', names)[0]).toBe('great-wave');
  });
  it('suggests nothing absurd', () => {
    expect(closestNames('xyzzy-qwerty', names)).toEqual([]);
  });
});
