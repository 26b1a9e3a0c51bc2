import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createStyleRemoveCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'style remove',
      description: 'Remove a style from the library (moderators)',
      moderatorsOnly: true,
      options: { name: { type: 'text', description: 'the style to remove', maxLength: 32, required: true, autocomplete: 'style' } },
    },
    async (_context, args) => {
      const style = await services.library.remove(args.name);
      return { text: `Removed style "${style.name}" from the library. Jobs already queued with it still run.` };
    },
  );
}
