import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

/** The moderators' contest commands: end early, cancel, remove an entry. */
export function createContestEndCommand(services: BotServices) {
  return defineCommand({ name: 'contest end', where: 'channels', description: 'End the contest now and announce the winners (moderators)', moderatorsOnly: true, options: {} }, async (context) => {
    const contest = services.contests.close(context.requester, context.origin.channelId);
    return { text: `Ended "${contest.title}".`, ephemeral: true };
  });
}

export function createContestCancelCommand(services: BotServices) {
  return defineCommand({ name: 'contest cancel', where: 'channels', description: 'Cancel the contest without winners (moderators)', moderatorsOnly: true, options: {} }, async (context) => {
    const contest = services.contests.cancel(context.requester, context.origin.channelId);
    return { text: `Cancelled "${contest.title}".`, ephemeral: true };
  });
}

export function createContestRemoveCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'contest remove',
      where: 'channels',
      description: 'Remove an entry from the contest (moderators)',
      moderatorsOnly: true,
      options: { entry: { type: 'text', description: 'the entry id', maxLength: 32, required: true } },
    },
    async (context, args) => {
      const entry = services.contests.removeEntry(context.requester, args.entry);
      return { text: `Removed entry ${entry.id} by ${entry.userName}.`, ephemeral: true };
    },
  );
}
