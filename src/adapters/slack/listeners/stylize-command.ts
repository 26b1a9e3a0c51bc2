import type { App } from '@slack/bolt';
import { contextOf, fetchFile, latestImageOf, saidCannotPostIn, tell, type SlashCommand } from '../conversation.ts';
import { guarded, refusalBeforeFetching, stylize } from '../guarded.ts';
import type { SlackState } from '../state.ts';
import { stylizeArgsOfText } from '../../../bot/commands/text.ts';

/** `/stylize [style] [size=… strength=…]`: paints the latest image the user shared in the channel, in its thread. */
export function registerStylizeCommand(app: App, state: SlackState): void {
  app.command('/stylize', async ({ command, ack, respond }) => {
    // Acknowledged at once: the check below asks Slack, and a slow answer would take the command past
    // Slack's 3 seconds (the member told it failed, though it then ran).
    await ack();
    if (await saidCannotPostIn(state, command.channel_id, respond)) return;
    await guarded(state, command.channel_id, command.user_id, () => runStylizeCommand(state, command));
  });
}

async function runStylizeCommand(state: SlackState, command: SlashCommand): Promise<void> {
  const args = stylizeArgsOfText(command.text);
  // Bare, it paints with the member's saved style if there is one (as /stylize does on Discord), else explains itself.
  const bare = Object.keys(args).length === 0;
  // Who asked, and where, before a picture (and so a thread) is known.
  const asked = await contextOf(state, command.user_id, command.user_name, command.channel_id, '');
  if (args.style_name === 'help' || (bare && !state.bot.savedStyles.find({ platform: 'slack', userId: command.user_id }))) {
    const help = await state.bot.execute('help', { command: 'stylize' }, asked);
    return tell(state, command.channel_id, command.user_id, `Usage: /stylize <style> [size=… iterations=…] works on the latest image you shared here (no style: the one you saved with Use as style). /impasto help lists the other commands.\n${help.text}`);
  }
  // A style the library lacks, an option out of range, a limit reached: said before the picture is looked for.
  const refusal = refusalBeforeFetching(state, 'stylize', args, asked, ['content']);
  if (refusal) return tell(state, command.channel_id, command.user_id, refusal.text);
  const latest = await latestImageOf(state, command.channel_id, command.user_id);
  if (!latest?.message.ts) {
    return tell(state, command.channel_id, command.user_id, 'I could not find an image you shared in this channel recently. Share one first (then run /stylize again), or use "Stylize with…" from any image\'s message menu.');
  }
  const context = await contextOf(state, command.user_id, command.user_name, command.channel_id, latest.message.thread_ts ?? latest.message.ts);
  const fetchLatest = async () => {
    // Said once the request has passed its checks, as the picture is fetched.
    await tell(state, command.channel_id, command.user_id, `Using the latest image you shared here (${latest.image.name ?? 'image'}); progress will appear in its thread.`);
    return { content: await fetchFile(state, latest.image, 'content image', 'content') };
  };
  await stylize(state, context, args, { options: ['content'], fetch: fetchLatest });
}
