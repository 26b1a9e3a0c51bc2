import { formatNumber } from '../../engine/option-spec.ts';
import type { CommandDefinition, OptionDefinition, Platform } from './types.ts';
import { defineCommand } from './define.ts';
import { invocationOf } from './invocation.ts';
import { communityNoun } from '../format.ts';
import { whyNotHere } from './place.ts';

/**
 * The ways to ask for a painting besides the commands, which the definitions cannot tell: each
 * platform's menus, mentions and direct messages (the playground is its own form).
 */
const WAYS_TO_ASK: Readonly<Record<Platform, string | undefined>> = {
  discord:
    'Ways to ask: /stylize; on any message with a picture, Apps → Stylize with… (or Use as style, to save a painting as yours); reply to a picture with @impasto starry-night (options follow: @impasto starry-night strength=8 size=768); or send me a picture with a style name in a direct message.',
  slack:
    'Ways to ask: /stylize starry-night (paints the latest picture you shared in the channel); the Stylize with… and Use as style shortcuts on a message with a picture; @impasto starry-night in a picture\'s thread; or send me a picture with a style name in my Messages tab. Options follow the style: strength=8 size=768. The other commands are /impasto <command>, with options as key=value (a value with spaces in quotes: title="Winter waves").',
  web: undefined,
};

/** How to ask for one command's options, as typed there. */
const ASK_FOR_OPTIONS: Readonly<Record<Platform, string>> = {
  discord: "A command's options: /help command:stylize",
  slack: "A command's options: /impasto help stylize",
  web: "A command's options: /help command:stylize",
};

/**
 * Help is generated from the definitions, so it cannot drift from what the commands accept: alone, the
 * ways to ask and one line per command (one message, even on Discord); for a command, its options.
 */
export function createHelpCommand(others: readonly CommandDefinition[]) {
  const definition = {
    name: 'help',
    description: 'How to use the bot',
    options: { command: { type: 'choice', description: 'a command, for its options', choices: others.map((other) => other.name) } },
  } as const satisfies CommandDefinition;
  return defineCommand(definition, async (context, args) => {
    const { platform } = context.requester;
    const asked = others.find((other) => other.name === args.command);
    if (asked) return { text: describeCommand(asked, platform), ephemeral: true };
    const ways = WAYS_TO_ASK[platform];
    // In a direct message, what works only in a community's channels is named in one line at the end.
    const [here, elsewhere] = partition(others, (other) => whyNotHere(other, context) === undefined);
    const list = [...here, definition].map((other) => `${invocationOf(other.name, platform)}: ${inWordsOf(platform, other.description)}`);
    const notHere = elsewhere.length > 0 ? [`Not here but in a ${communityNoun(platform)}'s channels: ${namesInShort(elsewhere, platform)}.`] : [];
    return { text: [...(ways ? [ways, ''] : []), ...list, ...notHere, '', ASK_FOR_OPTIONS[platform]].join('\n'), ephemeral: true };
  });
}

/** The items that pass `isFirst`, and the rest, each item judged once. */
function partition<T>(items: readonly T[], isFirst: (item: T) => boolean): [T[], T[]] {
  const [first, rest]: [T[], T[]] = [[], []];
  for (const item of items) (isFirst(item) ? first : rest).push(item);
  return [first, rest];
}

/** Commands named in short, those of one group together: "/settings, /style add|remove|train". */
function namesInShort(definitions: readonly CommandDefinition[], platform: Platform): string {
  const groups = new Map<string, string[]>();
  for (const { name } of definitions) {
    const [group, sub] = name.split(' ');
    groups.set(group!, [...(groups.get(group!) ?? []), ...(sub ? [sub] : [])]);
  }
  return [...groups].map(([group, subs]) => `${invocationOf(group, platform)}${subs.length > 0 ? ` ${subs.join('|')}` : ''}`).join(', ');
}

/** A command and its options, each with what it takes. */
function describeCommand(definition: CommandDefinition, platform: Platform): string {
  const options = Object.entries(definition.options).map(([name, option]) => `  • ${name}${option.required ? ' (required)' : ''}: ${inWordsOf(platform, option.description)}${describeRange(option)}`);
  return [`${invocationOf(definition.name, platform)}: ${inWordsOf(platform, definition.description)}`, ...(options.length > 0 ? options : ['  (no options)'])].join('\n');
}

/**
 * A definition's description in the platform's words. They are written in Discord's, which shows
 * them as they are beside its slash commands ("this server's library"); Slack's members have a workspace.
 */
function inWordsOf(platform: Platform, description: string): string {
  return description.replace(/\bthis server's\b/g, `this ${communityNoun(platform)}'s`);
}

/** An option's range or choices and its default, as help and the README's command list show them. */
export function describeRange(option: OptionDefinition): string {
  switch (option.type) {
    case 'number':
    case 'integer':
      return ` (${formatNumber(option.min)}–${formatNumber(option.max)}${option.default !== undefined ? `, default ${formatNumber(option.default)}` : ''})`;
    case 'choice':
      return ` (${option.choices.join(' | ')}${option.default ? `, default ${option.default}` : ''})`;
    default:
      return '';
  }
}
