import { SIZE_RANGE } from '../../engine/options.ts';
import { checkPaintableAt } from '../../engine/proportions.ts';
import { storeImage } from '../files.ts';
import { describePosition } from '../format.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { decodeImageOption, inspectImageOption } from './images.ts';

export function createContestEnterCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'contest enter',
      where: 'channels',
      description: "Enter this channel's contest with a photo",
      options: { content: { type: 'image', description: 'your photo (it is painted in the contest style)', required: true } },
    },
    async (context, args) => {
      // The contest first: without one the upload need not be read, and its size is the photo's.
      const size = services.contests.requireOpen(context.requester.platform, context.origin.channelId).options.size ?? SIZE_RANGE.max;
      checkPaintableAt(await inspectImageOption(args.content, services.limits.decode, 'photo', 'content'), size, 'photo', 'content', false);
      const content = await decodeImageOption(args.content, services.limits.decode, 'photo', 'content', size);
      const { entry, queued, contest } = await services.contests.enter(context.requester, context.origin, () => storeImage(services.dirs.uploads, content, 'content'));
      return {
        text: `Entered "${contest.title}" (entry ${entry.id}): your photo is being painted in ${contest.styleLabel}. ${describePosition(queued)} It is posted with a Vote button when done.`,
        jobId: queued.job.id,
      };
    },
    // Refused before the photo is fetched: no contest here, the member's entries used up, or a full queue.
    (context) => {
      services.contests.checkEntry(context.requester, context.origin.channelId);
      services.queue.checkAdmission(context.requester);
    },
  );
}
