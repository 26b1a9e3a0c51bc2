import { BotError } from '../errors.ts';
import { storeImage } from '../files.ts';
import { formatWhen } from '../format.ts';
import { parseEndTime } from '../contests/end-time.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { decodeStyleOption } from './images.ts';

export function createContestStartCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'contest start',
      where: 'channels',
      description: 'Start a style contest in this channel (moderators)',
      moderatorsOnly: true,
      options: {
        title: { type: 'text', description: 'what the contest is called', maxLength: 100, required: true },
        ends: { type: 'text', description: 'a duration (2h, 3d, 1d12h) or a date, in UTC unless it says (2026-12-24 18:00)', maxLength: 40, required: true },
        style_name: { type: 'text', description: 'the contest style, from the library', maxLength: 32, autocomplete: 'style' },
        style: { type: 'image', description: 'or the contest style as an image' },
        max_entries: { type: 'integer', description: 'entries per member', min: 1, max: 10, default: 1 },
      },
    },
    async (context, args) => {
      const endsAt = parseEndTime(args.ends, Date.now());
      let stylePath: string;
      let styleLabel: string;
      if (args.style) {
        // Every entry would fail on a strip of a painting: refused before the contest starts.
        const style = await decodeStyleOption(args.style, services.limits.decode);
        stylePath = await storeImage(services.dirs.uploads, style, 'contest-style');
        styleLabel = 'the contest image';
      } else if (args.style_name) {
        const style = services.library.in(context.requester.community).resolve(args.style_name);
        stylePath = style.path;
        styleLabel = style.name;
      } else {
        throw new BotError('missing_option', 'Which style? Name a library style (style_name) or attach an image (style).', 'style_name');
      }
      const contest = await services.contests.start({ title: args.title, stylePath, styleLabel, endsAt, maxEntries: args.max_entries }, context.requester, context.origin);
      return { text: `Started "${contest.title}" (style ${contest.styleLabel}); it ends ${formatWhen(contest.endsAt)}.`, ephemeral: true };
    },
    // All but the image is checked before it is fetched: the end, a contest already running, the style named.
    (context, args) => {
      parseEndTime(args.ends, Date.now());
      services.contests.refuseIfRunning(context.requester.platform, context.origin.channelId);
      if (!args.style && args.style_name) services.library.in(context.requester.community).resolve(args.style_name);
    },
  );
}
