import type { BotServices } from '../services.ts';
import { communityNoun } from '../format.ts';
import { defineCommand } from './define.ts';

export function createStyleRemoveCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'style remove',
      where: 'community',
      description: "Remove a style from this server's library (moderators)",
      moderatorsOnly: true,
      options: { name: { type: 'text', description: 'the style to remove', maxLength: 32, required: true, autocomplete: 'style' } },
    },
    async (context, args) => {
      const { community } = context.requester;
      const { style, own, linkedNetwork } = await services.library.in(community).remove(args.name);
      // A shared style (a shipped painting) is only hidden here: other communities keep it and its network.
      if (own) await services.training.releaseNetworksOf(community, { name: style.name, network: linkedNetwork });
      return { text: `Removed style "${style.name}" from this ${communityNoun(context.requester.platform)}'s library. Jobs already queued with it still run.` };
    },
  );
}
