import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createContestWithdrawCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'contest withdraw',
      where: 'channels',
      description: 'Withdraw your contest entry',
      options: { entry: { type: 'text', description: 'the entry id (default: your latest)', maxLength: 32 } },
    },
    async (context, args) => {
      const entry = services.contests.withdraw(context.requester, context.origin.channelId, args.entry);
      return { text: `Withdrew entry ${entry.id}.`, ephemeral: true };
    },
  );
}
