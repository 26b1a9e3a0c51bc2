import { BotError } from '../errors.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { describeLeaderboard } from '../contests/leaderboard.ts';
import { POSTED_SHEET } from '../styles/library.ts';

export function createContestStatusCommand(services: BotServices) {
  return defineCommand({ name: 'contest status', where: 'channels', description: "This channel's contest: the leaderboard", options: {} }, async (context) => {
    const contest = services.contests.latestIn(context.requester.platform, context.origin.channelId);
    if (!contest) throw new BotError('unknown_job', 'There has been no contest in this channel.');
    const { text, picture } = await services.leaderboard(contest, 8, context.requester.userId, context.writeMoment);
    return { text, files: picture ? [{ name: `leaderboard${POSTED_SHEET.extension}`, bytes: picture, description: describeLeaderboard(contest) }] : [] };
  });
}
