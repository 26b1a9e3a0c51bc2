import { BotError } from '../errors.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { decodeImageOption } from './images.ts';

export function createStyleAddCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'style add',
      where: 'community',
      // Moderators, or everyone where a moderator allowed it (/settings style_adders).
      description: "Add a style to this server's library",
      options: {
        name: { type: 'text', description: 'short name, e.g. starry-night', maxLength: 32, required: true },
        image: { type: 'image', description: 'the style image', required: true },
        title: { type: 'text', description: 'a longer title, e.g. "The Starry Night, van Gogh"', maxLength: 100 },
      },
    },
    async (context, args) => {
      const image = await decodeImageOption(args.image, services.limits.decode, 'style image', 'image');
      const style = await services.library.in(context.requester.community).add(args.name.toLowerCase(), image, `${context.requester.platform}:${context.requester.userId}`, args.title);
      return { text: `Added style "${style.name}" (${style.title}) to the library.` };
    },
    // Who may add, and the name, are known before the image is fetched.
    (context, args) => {
      if (!context.requester.isModerator && services.settings.get(context.requester.community).styleAdders !== 'everyone') {
        throw new BotError('not_allowed', '/style add is for moderators here (a moderator can let everyone add styles with /settings style_adders:everyone).');
      }
      services.library.in(context.requester.community).checkNewName(args.name.toLowerCase());
    },
  );
}
