import { BotError } from '../errors.ts';
import { communityNoun } from '../format.ts';
import { invocationOf } from './invocation.ts';
import type { CommandContext, CommandDefinition } from './types.ts';

/**
 * Refuses a command asked where it cannot work (its definition's `where`), saying where it does: a
 * contest started in a direct message would be seen by no one else, and a Discord direct message has
 * no server whose settings or library it could change (nor moderators: it would say "moderators only").
 */
export function checkPlace(definition: CommandDefinition, context: CommandContext): void {
  const { direct } = context;
  if (!direct || !definition.where) return;
  const { platform } = context.requester;
  const command = invocationOf(definition.name, platform);
  const noun = communityNoun(platform);
  if (definition.where === 'channels') {
    throw new BotError('not_allowed', `${command} works in a ${noun}'s channels, where its members can take part, not in a direct message with me.`);
  }
  if (!direct.ofCommunity) {
    throw new BotError('not_allowed', `${command} works in a ${noun}'s channels: a direct message with me belongs to no ${noun}.`);
  }
}

/** Whether a command may be asked in a direct message with the bot that belongs to no community (Discord's). */
export function worksOutsideCommunities(definition: Pick<CommandDefinition, 'where'>): boolean {
  return definition.where === undefined;
}
