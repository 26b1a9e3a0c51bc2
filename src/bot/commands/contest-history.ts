import { contestMessages } from '../contests/contest-messages.ts';
import { BotError } from '../errors.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

/** How many past contests the list shows (the latest). */
const SHOWN = 10;

export function createContestHistoryCommand(services: BotServices) {
  return defineCommand({ name: 'contest history', where: 'channels', description: "This channel's past contests and their winners", options: {} }, async (context) => {
    const { platform } = context.requester;
    const { channelId } = context.origin;
    const running = services.contests.openIn(platform, channelId);
    const { contests, total } = services.contests.pastIn(platform, channelId, SHOWN);
    if (contests.length === 0) {
      throw new BotError('unknown_job', running ? `"${running.title}" is this channel's first contest, and it is still running: see /contest status.` : 'There has been no contest in this channel yet.');
    }
    const lines = contests.map((contest) => `• ${contestMessages.past(contest, services.contests.ranking(contest.id))}`);
    const earlier = total > contests.length ? [`…and ${total - contests.length} earlier.`] : [];
    const now = running ? [`Running now: "${running.title}" (see /contest status).`] : [];
    return { text: ['Past contests in this channel, latest first:', ...lines, ...earlier, ...now].join('\n') };
  });
}
