import { BotError } from '../errors.ts';
import { describeSettings, SPOILER_PLATFORMS, STYLE_ADDERS } from '../settings.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createSettingsCommand(services: BotServices) {
  const { limits } = services;
  return defineCommand(
    {
      name: 'settings',
      where: 'community',
      description: "Show or change this server's settings (moderators)",
      moderatorsOnly: true,
      options: {
        max_size: { type: 'integer', description: 'largest size members may ask for, in pixels', min: 64, max: limits.maxSize },
        max_iterations: { type: 'integer', description: 'most iterations members may ask for', min: 1, max: limits.maxIterations },
        style_adders: { type: 'choice', description: 'who may add styles to the library', choices: STYLE_ADDERS },
        spoiler_results: { type: 'boolean', description: 'post results behind a spoiler (Discord)' },
      },
    },
    async (context, args) => {
      const { community, platform } = context.requester;
      // Saved where nothing can be hidden, it would be shown back as "results behind a spoiler", and do nothing.
      if (args.spoiler_results !== undefined && !SPOILER_PLATFORMS.has(platform)) {
        throw new BotError('invalid_option', 'spoiler_results is for Discord, which can post a picture behind a spoiler; here results are always shown.', 'spoiler_results');
      }
      const changes = { maxSize: args.max_size, maxIterations: args.max_iterations, styleAdders: args.style_adders, spoilerResults: args.spoiler_results };
      const changed = Object.values(changes).some((value) => value !== undefined);
      const settings = changed ? services.settings.set(community, changes) : services.settings.get(community);
      return { text: `${changed ? 'Saved. ' : ''}${describeSettings(settings, platform)}`, ephemeral: true };
    },
  );
}
