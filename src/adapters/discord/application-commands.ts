import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIApplicationCommandsJSONBody,
  type APIApplicationCommandOption,
  type APIApplicationCommandBasicOption,
} from 'discord.js';
import { worksOutsideCommunities } from '../../bot/commands/place.ts';
import type { CommandDefinition, OptionDefinition } from '../../bot/commands/types.ts';

export const STYLIZE_WITH = 'Stylize with…';
export const USE_AS_STYLE = 'Use as style';

/**
 * A command only moderators may run is shown only to members who may manage the server (the bot's
 * own test of a moderator; Administrator includes it), so the others' command list does not offer
 * what would refuse them. A server's admins can widen it (Server Settings → Integrations); the bot
 * checks again whatever Discord shows.
 */
const MODERATORS_ONLY = { default_member_permissions: String(PermissionFlagsBits.ManageGuild) };

/**
 * Where a command registered for all servers is offered: in servers, and in direct messages with the
 * bot unless it works only in a server's channels (a contest, the settings, the library: a direct
 * message belongs to no server). Discord takes this for global commands only; a server's own are
 * only ever in that server.
 */
function contextsOf(definitions: readonly Pick<CommandDefinition, 'where'>[]): { contexts: InteractionContextType[] } {
  return { contexts: definitions.some(worksOutsideCommunities) ? [InteractionContextType.Guild, InteractionContextType.BotDM] : [InteractionContextType.Guild] };
}

/**
 * Discord's registration payload, derived from the bot's command definitions: slash commands
 * (two-word names become a command with subcommands, e.g. `/style add`) plus the two message
 * context-menu commands. A command whose every subcommand is for moderators is hidden from the
 * others (Discord sets permissions per command, not per subcommand), and registered `global`ly, one
 * none of whose subcommands works in a direct message is not offered there (`contextsOf`).
 */
export function buildApplicationCommands(definitions: readonly CommandDefinition[], { global = false } = {}): RESTPostAPIApplicationCommandsJSONBody[] {
  const commands: RESTPostAPIApplicationCommandsJSONBody[] = [];
  const groups = new Map<string, CommandDefinition[]>();
  const offeredIn = (all: readonly Pick<CommandDefinition, 'where'>[]) => (global ? contextsOf(all) : {});
  for (const definition of definitions) {
    const [name, sub] = definition.name.split(' ');
    if (!sub) {
      commands.push({
        type: ApplicationCommandType.ChatInput,
        name: name!,
        description: clip(definition.description),
        options: optionsOf(definition),
        ...(definition.moderatorsOnly ? MODERATORS_ONLY : {}),
        ...offeredIn([definition]),
      });
    } else {
      groups.set(name!, [...(groups.get(name!) ?? []), definition]);
    }
  }
  for (const [name, subcommands] of groups) {
    commands.push({
      type: ApplicationCommandType.ChatInput,
      name,
      description: clip(`${subcommands.map((definition) => definition.name.split(' ')[1]).join(', ')} ${name}s`),
      options: subcommands.map((definition) => ({
        type: ApplicationCommandOptionType.Subcommand,
        name: definition.name.split(' ')[1]!,
        description: clip(definition.description),
        options: optionsOf(definition),
      })),
      ...(subcommands.every((definition) => definition.moderatorsOnly) ? MODERATORS_ONLY : {}),
      ...offeredIn(subcommands),
    });
  }
  // Painting a picture and saving a style are a member's own: the menus work in direct messages too.
  const menus = offeredIn([{ where: undefined }]);
  commands.push({ type: ApplicationCommandType.Message, name: STYLIZE_WITH, ...menus }, { type: ApplicationCommandType.Message, name: USE_AS_STYLE, ...menus });
  return commands;
}

/** Discord requires required options first; otherwise the definition's order is kept. */
function optionsOf(definition: CommandDefinition): APIApplicationCommandBasicOption[] {
  const entries = Object.entries(definition.options);
  const ordered = [...entries.filter(([, option]) => option.required), ...entries.filter(([, option]) => !option.required)];
  return ordered.map(([name, option]) => toDiscordOption(name, option));
}

function toDiscordOption(name: string, option: OptionDefinition): APIApplicationCommandBasicOption {
  const base = { name, description: clip(option.description), required: option.required ?? false };
  switch (option.type) {
    case 'image':
      return { ...base, type: ApplicationCommandOptionType.Attachment };
    case 'integer':
      return { ...base, type: ApplicationCommandOptionType.Integer, min_value: option.min, max_value: option.max };
    case 'number':
      return { ...base, type: ApplicationCommandOptionType.Number, min_value: option.min, max_value: option.max };
    case 'choice':
      return { ...base, type: ApplicationCommandOptionType.String, choices: option.choices.map((choice) => ({ name: choice, value: choice })) };
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'text':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: option.maxLength, ...(option.autocomplete ? { autocomplete: true } : {}) } as APIApplicationCommandBasicOption;
  }
}

function clip(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 99)}…`;
}

export type { APIApplicationCommandOption };
