import type { App } from '@slack/bolt';
import type { CommandContext, Reply } from '../../../bot/commands/types.ts';
import { contextOf, fetchFile, latestImageOf, tell, type SlashCommand } from '../conversation.ts';
import { executeFetching, guarded, refusalBeforeFetching } from '../guarded.ts';
import { postWithFiles } from '../render.ts';
import type { SlackState } from '../state.ts';
import { CONTEST_START_WORDS, optionsFromWords, parseCommandText, STYLE_ADD_WORDS, STYLES_WORDS } from '../../../bot/commands/text.ts';
import { nameMeantBy } from '../../../suggest.ts';

/** `/impasto styles [page] [search] | style add|remove|train | contest … | cancel | queue | forget-me [confirm=true] | settings [max_size=…] | help`. */
export function registerImpastoCommand(app: App, state: SlackState): void {
  app.command('/impasto', async ({ command, ack }) => {
    await ack();
    await guarded(state, command.channel_id, command.user_id, () => runImpastoCommand(state, command));
  });
}

async function runImpastoCommand(state: SlackState, command: SlashCommand): Promise<void> {
  const { bot } = state;
  const { words, options: typed } = parseCommandText(command.text);
  const [first = 'help', second] = words;
  const context = await contextOf(state, command.user_id, command.user_name, command.channel_id, '');
  let reply: Reply;
  if (first === 'styles') {
    reply = await bot.execute('styles', optionsFromWords(words.slice(1), typed, STYLES_WORDS), context);
  } else if (first === 'style' && second === 'add') {
    const options = optionsFromWords(words.slice(2), typed, STYLE_ADD_WORDS);
    reply = refusalBeforeFetching(state, 'style add', options, context, ['image']) ?? (await addLatestImageAsStyle(state, options, context));
  } else if (first === 'style' && second === 'remove') {
    reply = await bot.execute('style remove', { name: words[2], ...typed }, context);
  } else if (first === 'style' && second === 'train') {
    reply = await bot.execute('style train', { name: words[2], ...typed }, context);
  } else if (first === 'contest') {
    reply = await runContestCommand(state, second ?? 'status', words.slice(2), typed, context);
  } else if (first === 'cancel') {
    reply = await bot.execute('cancel', { ...(second ? { job: second } : {}), ...typed }, context);
  } else if (first === 'forget-me' || first === 'settings') {
    reply = await bot.execute(first, typed, context);
  } else if (first === 'help') {
    // `/impasto help contest start`: the words name the command (written as typed: `/impasto contest start` too).
    const named = words.slice(1).join(' ').replace(/^\/?(impasto )?\/?/, '');
    reply = await bot.execute('help', { ...(named ? { command: named } : {}), ...typed }, context);
  } else if (first === 'queue') {
    reply = await bot.execute(first, typed, context);
  } else if (first === 'style') {
    const meant = second === undefined ? undefined : nameMeantBy(second, subcommandsOf(bot, 'style'));
    reply = { text: meant ? `I don't know "style ${second}": did you mean /impasto style ${meant}?` : '/impasto style is followed by add, remove or train (such as /impasto style add <name>); /impasto styles shows the gallery.' };
  } else {
    // The first words /impasto knows, from the commands' names (/stylize is a Slack command of its own).
    const meant = nameMeantBy(first, [...new Set(bot.commands.map((command) => command.definition.name.split(' ')[0]!))].filter((name) => name !== 'stylize'));
    reply = { text: meant ? `I don't know "${first}": did you mean /impasto ${meant}? (/impasto help lists them all.)` : `I don't know "${first}". Try /impasto help.` };
  }
  // A reply with pictures (the gallery, a leaderboard) is for the channel; text alone is private.
  if (reply.files?.length && !reply.refusal) await postWithFiles(state, command.channel_id, reply);
  else await tell(state, command.channel_id, command.user_id, reply.text);
}

/** `/impasto style add <name> [title]`: the image the member shared last in the channel becomes the style. */
async function addLatestImageAsStyle(state: SlackState, options: Record<string, unknown>, context: CommandContext): Promise<Reply> {
  const image = (await latestImageOf(state, context.origin.channelId, context.requester.userId))?.image;
  if (!image) return { text: 'Share the style image in this channel first, then run /impasto style add <name>.' };
  return executeFetching(state, 'style add', options, context, { options: ['image'], fetch: async () => ({ image: await fetchFile(state, image, 'style image', 'image') }) });
}

/**
 * `/impasto contest start <style> <ends> <title…>`, `enter` (your latest image), `withdraw [entry]`,
 * `remove <entry>`; any other contest command (`status`, `history`, `end`, `cancel`) as it is defined.
 * Each also takes its options as key=value (`title="Winter waves"`), which /impasto help lists.
 */
async function runContestCommand(state: SlackState, sub: string, rest: string[], typed: Record<string, string>, context: CommandContext): Promise<Reply> {
  const { bot } = state;
  const channel = context.origin.channelId;
  const user = context.requester.userId;
  switch (sub) {
    case 'start':
      return bot.execute('contest start', optionsFromWords(rest, typed, CONTEST_START_WORDS), context);
    case 'enter': {
      const refusal = refusalBeforeFetching(state, 'contest enter', {}, context, ['content']);
      if (refusal) return refusal;
      const latest = await latestImageOf(state, channel, user);
      if (!latest?.message.ts) return { text: 'Share your photo in this channel first, then run /impasto contest enter.' };
      const entryContext = await contextOf(state, user, context.requester.userName, channel, latest.message.thread_ts ?? latest.message.ts);
      return executeFetching(state, 'contest enter', {}, entryContext, { options: ['content'], fetch: async () => ({ content: await fetchFile(state, latest.image, 'photo', 'content') }) });
    }
    case 'withdraw':
    case 'remove':
      return bot.execute(`contest ${sub}`, { ...(rest[0] ? { entry: rest[0] } : {}), ...typed }, context);
    default: {
      if (bot.definition(`contest ${sub}`)) return bot.execute(`contest ${sub}`, typed, context);
      const known = subcommandsOf(bot, 'contest');
      const meant = nameMeantBy(sub, known);
      return { text: meant ? `I don't know "contest ${sub}": did you mean /impasto contest ${meant}?` : `I don't know "contest ${sub}". Try ${known.join(', ')}.` };
    }
  }
}

/** `contest` → `start`, `enter`, …: the second words of the commands whose name begins with `group`. */
function subcommandsOf(bot: SlackState['bot'], group: string): string[] {
  return bot.commands.map((command) => command.definition.name).filter((name) => name.startsWith(`${group} `)).map((name) => name.slice(group.length + 1));
}
