import { BotError } from '../errors.ts';
import { communityNoun } from '../format.ts';
import { invocationOf } from './invocation.ts';
import type { CommandContext, CommandDefinition } from './types.ts';

/**
 * Why a command cannot work where it was asked (its definition's `where`), in words that say where it
 * does; undefined where it can. A contest started in a direct message would be seen by no one else,
 * and a Discord direct message has no server whose settings or library it could change.
 */
export function whyNotHere(definition: Pick<CommandDefinition, 'name' | 'where'>, context: Pick<CommandContext, 'direct' | 'requester'>): string | undefined {
  const { direct } = context;
  if (!direct || !definition.where) return undefined;
  const { platform } = context.requester;
  const command = invocationOf(definition.name, platform);
  const noun = communityNoun(platform);
  if (definition.where === 'channels') return `${command} works in a ${noun}'s channels, where its members can take part, not in a direct message with me.`;
  if (!direct.ofCommunity) return `${command} works in a ${noun}'s channels: a direct message with me belongs to no ${noun}.`;
  return undefined;
}

/**
 * Refuses a command asked where it cannot work (`whyNotHere`), before whether the member may run it:
 * in a Discord direct message no one is a moderator, and "moderators only" would mislead.
 */
export function checkPlace(definition: CommandDefinition, context: CommandContext): void {
  const problem = whyNotHere(definition, context);
  if (problem) throw new BotError('not_allowed', problem);
}

/** Whether a command may be asked in a direct message with the bot that belongs to no community (Discord's). */
export function worksOutsideCommunities(definition: Pick<CommandDefinition, 'where'>): boolean {
  return definition.where === undefined;
}
