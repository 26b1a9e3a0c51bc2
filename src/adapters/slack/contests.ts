import { readFile } from 'node:fs/promises';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { Contest, ContestEntry, ContestEvent } from '../../bot/contests/types.ts';
import { contestMessages } from '../../bot/contests/contest-messages.ts';
import { POSTED_SHEET } from '../../bot/styles/library.ts';
import { deliverContestEvents } from '../deliveries.ts';
import { isTemporarySlackError } from './render.ts';
import { escapeForSlack, slackMoment } from './text.ts';

export const VOTE_ACTION = 'impasto_vote';

/** Contest events → channel messages: the announcement, each entry with its Vote button, the winners. */
export function renderContestsOnSlack(client: WebClient, bot: Bot, logger: Logger, retryDelaysMs?: readonly number[]): () => Promise<void> {
  const uploadedEntries = new Set<string>();
  const entryBlocks = (contest: Contest, entry: ContestEntry, open: boolean) => [
    { type: 'section', text: { type: 'mrkdwn', text: contestMessages.entry(contest, entry) } },
    ...(open ? [{ type: 'actions', elements: [{ type: 'button', action_id: VOTE_ACTION, value: entry.id, text: { type: 'plain_text', text: contestMessages.voteLabel(entry) }, style: 'primary' }] }] : []),
  ];

  async function render(event: ContestEvent): Promise<void> {
    // The title in the messages is shown as written, never read as Slack's markup.
    const contest = { ...event.contest, title: escapeForSlack(event.contest.title) };
    const channel = contest.channelId;
    switch (event.type) {
      case 'started': {
        await client.filesUploadV2({
          channel_id: channel,
          initial_comment: contestMessages.announcement(contest, '/impasto contest enter after sharing your photo', slackMoment),
          file_uploads: [{ file: await readFile(contest.stylePath), filename: 'contest-style.png' }],
        });
        return;
      }
      case 'entry_posted': {
        // Tried again after its post failed, by this process or the next start, it does not upload the entry twice.
        if (!uploadedEntries.has(event.entry.id) && event.progress?.uploaded !== 'yes') {
          const files = await bot.resultFiles(event.job);
          await client.filesUploadV2({ channel_id: channel, initial_comment: `Entry ${event.entry.id} for "${contest.title}"`, file_uploads: [{ file: files.png, filename: `entry-${event.entry.id}.png` }] });
          uploadedEntries.add(event.entry.id);
          if (event.postId !== undefined) bot.contests.posts.noteProgress(event.postId, { uploaded: 'yes' });
        }
        const posted = await client.chat.postMessage({ channel, text: contestMessages.entry(contest, event.entry), blocks: entryBlocks(contest, event.entry, !event.entry.late) });
        if (posted.ts) bot.contests.setEntryMessage(event.entry.id, { ts: posted.ts });
        uploadedEntries.delete(event.entry.id);
        return;
      }
      case 'votes_changed':
        if (event.entry.message?.ts) await client.chat.update({ channel, ts: event.entry.message.ts, text: contestMessages.entry(contest, event.entry), blocks: entryBlocks(contest, event.entry, true) });
        return;
      case 'entry_withdrawn':
        if (event.entry.message?.ts) await client.chat.update({ channel, ts: event.entry.message.ts, text: contestMessages.withdrawn(event.entry, event.byModerator), blocks: [] });
        return;
      case 'entry_failed':
        return;
      case 'closed': {
        const { text, picture } = await bot.leaderboard(event.contest, 3);
        const comment = contestMessages.closed(contest, event.ranking, event.early, escapeForSlack(text));
        if (picture) await client.filesUploadV2({ channel_id: channel, initial_comment: comment, file_uploads: [{ file: picture, filename: `winners${POSTED_SHEET.extension}` }] });
        else await client.chat.postMessage({ channel, text: comment });
        // Voting is frozen: the buttons go away. Each as it can: a failure here must not post the winners again.
        for (const entry of event.ranking) {
          if (entry.message?.ts) await client.chat.update({ channel, ts: entry.message.ts, text: contestMessages.entry(contest, entry), blocks: entryBlocks(contest, entry, false) }).catch((error: unknown) => logger.warn({ err: error, entry: entry.id }, 'could not close the vote of a contest entry on Slack'));
        }
        return;
      }
      case 'cancelled':
        await client.chat.postMessage({ channel, text: contestMessages.cancelled(contest) });
        return;
      case 'closing_soon':
        await client.chat.postMessage({ channel, text: contestMessages.closingSoon(contest, event.entries, event.at, '/impasto contest enter after sharing your photo', slackMoment) });
        return;
    }
  }

  return deliverContestEvents(bot, 'slack', render, {
    onError: (error, event, retryInMs) => logger.warn({ err: error, event: event.type, retryInMs }, 'could not post the contest update to Slack'),
    isTemporary: isTemporarySlackError,
    retryDelaysMs,
  });
}
