import { readFile } from 'node:fs/promises';
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, Routes, type Client } from 'discord.js';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { ContestEntry, ContestEvent } from '../../bot/contests/types.ts';
import { contestMessages, winnersOf } from '../../bot/contests/contest-messages.ts';
import { describeLeaderboard } from '../../bot/contests/leaderboard.ts';
import { POSTED_SHEET } from '../../bot/styles/library.ts';
import { describeResultFiles } from '../../bot/job-messages.ts';
import { fitPicture, type UploadLimit } from '../../bot/upload-limit.ts';
import { deliverContestEvents } from '../deliveries.ts';
import { discordMoment, isTemporaryDiscordError } from './render.ts';

interface PostedMessage {
  readonly id: string;
}

/**
 * Contest events → channel messages: the announcement, each entry with its Vote button, the winners.
 * A painting or entry over the channel's upload limit (a 2048-px PNG can be) is posted as a JPEG.
 */
export function renderContestsOnDiscord(client: Client, bot: Bot, logger: Logger, uploadLimitOf: (channelId: string) => UploadLimit, retryDelaysMs?: readonly number[]): () => Promise<void> {
  const fitted = async (channelId: string, picture: { name: string; bytes: Uint8Array }) => {
    const { name, bytes } = await fitPicture(picture, uploadLimitOf(channelId));
    return { name, data: Buffer.from(bytes) };
  };
  // Each picture described (its alt text, for screen readers), as a job's results are.
  const post = async (channelId: string, body: Record<string, unknown>, files: { name: string; data: Buffer; description: string }[] = []): Promise<PostedMessage> =>
    (await client.rest.post(Routes.channelMessages(channelId), {
      // A contest's title is a moderator's words: it pings no one unless a message names whom (the winners).
      body: { allowed_mentions: { parse: [] }, ...body, attachments: files.map((file, id) => ({ id, filename: file.name, description: file.description })) },
      files: files.map(({ name, data }) => ({ name, data })),
    })) as PostedMessage;
  const edit = (channelId: string, messageId: string, body: Record<string, unknown>) => client.rest.patch(Routes.channelMessage(channelId, messageId), { body });

  const voteRow = (entry: ContestEntry, disabled = false) =>
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(`impasto:vote:${entry.id}`).setLabel(contestMessages.voteLabel(entry)).setStyle(ButtonStyle.Primary).setDisabled(disabled),
    );

  async function render(event: ContestEvent): Promise<void> {
    const { contest } = event;
    switch (event.type) {
      case 'started': {
        const message = await post(
          contest.channelId,
          { content: contestMessages.announcement(contest, '/contest enter', discordMoment) },
          [{ ...(await fitted(contest.channelId, { name: 'contest-style.png', bytes: await readFile(contest.stylePath) })), description: `The contest's style: ${contest.styleLabel}.` }],
        );
        bot.contests.setAnnouncement(contest.id, { messageId: message.id });
        return;
      }
      case 'entry_posted': {
        const files = await bot.resultFiles(event.job);
        // A late entry (painted after the end) has no vote to take.
        const components = event.entry.late ? [] : [voteRow(event.entry).toJSON()];
        const message = await post(contest.channelId, { content: contestMessages.entry(contest, event.entry), components, allowed_mentions: { parse: [] } }, [{ ...(await fitted(contest.channelId, { name: `entry-${event.entry.id}.png`, bytes: files.png })), description: describeResultFiles(event.job).png }]);
        bot.contests.setEntryMessage(event.entry.id, { messageId: message.id });
        return;
      }
      case 'votes_changed':
        if (event.entry.message) await edit(contest.channelId, event.entry.message.messageId!, { content: contestMessages.entry(contest, event.entry), components: [voteRow(event.entry).toJSON()], allowed_mentions: { parse: [] } });
        return;
      case 'entry_withdrawn':
        if (event.entry.message) await edit(contest.channelId, event.entry.message.messageId!, { content: contestMessages.withdrawn(event.entry, event.byModerator), components: [], attachments: [] });
        return;
      case 'entry_failed':
        return;
      case 'closed': {
        const { text, picture } = await bot.leaderboard(contest, 3);
        // Only the winners named are pinged: a member named in the title (<@…>) is not.
        const winners = [...new Set(winnersOf(event.ranking).map((entry) => entry.userId))];
        await post(contest.channelId, { content: contestMessages.closed(contest, event.ranking, event.early, text), allowed_mentions: { users: winners } }, picture ? [{ name: `winners${POSTED_SHEET.extension}`, data: picture, description: describeLeaderboard(contest) }] : []);
        // Voting is frozen: the buttons go grey, beside the final count. Each as it can: a failure here must not post the winners again.
        for (const entry of event.ranking) {
          if (entry.message) await edit(contest.channelId, entry.message.messageId!, { content: contestMessages.entry(contest, entry), components: [voteRow(entry, true).toJSON()], allowed_mentions: { parse: [] } }).catch((error: unknown) => logger.warn({ err: error, entry: entry.id }, 'could not close the vote of a contest entry on Discord'));
        }
        return;
      }
      case 'cancelled':
        await post(contest.channelId, { content: contestMessages.cancelled(contest) });
        return;
      case 'closing_soon':
        await post(contest.channelId, { content: contestMessages.closingSoon(contest, event.entries, event.at, '/contest enter', discordMoment) });
        return;
    }
  }

  return deliverContestEvents(bot, 'discord', render, {
    onError: (error, event, retryInMs) => logger.warn({ err: error, event: event.type, retryInMs }, 'could not post the contest update to Discord'),
    isTemporary: isTemporaryDiscordError,
    retryDelaysMs,
  });
}
