import { formatEta, NO_ENGINE_NOW } from '../format.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createStyleTrainCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'style train',
      where: 'community',
      description: 'Train a fast network for a library style, so it paints in seconds (moderators; hours on a CPU)',
      moderatorsOnly: true,
      options: {
        name: { type: 'text', description: 'the library style to train', maxLength: 32, required: true, autocomplete: 'style' },
        steps: { type: 'integer', description: `training steps (default ${services.training.defaultSteps}: more look better and take longer)`, min: 10, max: 200_000 },
      },
    },
    async (context, args) => {
      const entry = await services.training.submit(context.requester, context.origin, args.name, args.steps);
      return {
        text: `Queued job ${entry.job.id}: training a fast network for "${entry.style.name}" (${entry.waitsForEngine ? `${NO_ENGINE_NOW}: it starts when one is` : `about ${formatEta(entry.etaMs)}; paintings go first, so it may take longer`}). It is fast from then on.`,
        jobId: entry.job.id,
      };
    },
  );
}
