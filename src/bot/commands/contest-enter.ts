import { storeImage } from '../files.ts';
import { describePosition } from '../format.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { decodeImageOption } from './images.ts';

export function createContestEnterCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'contest enter',
      description: "Enter this channel's contest with a photo",
      options: { content: { type: 'image', description: 'your photo (it is painted in the contest style)', required: true } },
    },
    async (context, args) => {
      const content = await decodeImageOption(args.content, services.limits.decode, 'photo', 'content');
      const { entry, queued, contest } = await services.contests.enter(context.requester, context.origin, () => storeImage(services.dirs.uploads, content, 'content'));
      return {
        text: `Entered "${contest.title}" (entry ${entry.id}): your photo is being painted in ${contest.styleLabel}. ${describePosition(queued.position, queued.etaMs)} It is posted with a Vote button when done.`,
        jobId: queued.job.id,
      };
    },
  );
}
