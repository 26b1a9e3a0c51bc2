import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { OUTDATED_BUTTON, pageRequestOf } from '../../../bot/commands/pages.ts';
import { rerunChangeNamed } from '../../../bot/job-messages.ts';
import { VOTE_ACTION } from '../contests.ts';
import { contextOf, saidCannotPostIn, slackTextOf, tell } from '../conversation.ts';
import { guarded } from '../guarded.ts';
import { postWithFiles } from '../render.ts';
import { IDS, type SlackState } from '../state.ts';

/** Vote and Cancel (answered privately), Remove, a gallery's pages, and a result's Less / More / Again / Paint it properly (a new job in the same thread). */
export function registerButtons(app: App, state: SlackState): void {
  const { bot } = state;
  app.action<BlockAction<ButtonAction>>(VOTE_ACTION, async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    const reply = await bot.vote(action.value ?? '', await contextOf(state, body.user.id, body.user.name ?? body.user.id, channel, ''));
    await tell(state, channel, body.user.id, reply.text);
  });

  app.action<BlockAction<ButtonAction>>(IDS.cancel, async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    const reply = await bot.execute('cancel', { job: action.value }, await contextOf(state, body.user.id, body.user.name ?? body.user.id, channel, ''));
    await tell(state, channel, body.user.id, reply.text);
  });

  app.action<BlockAction<ButtonAction>>(IDS.remove, async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    await guarded(state, channel, body.user.id, () => removePicture(state, action.value ?? '', body, channel));
  });

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${IDS.rerunPrefix}`), async ({ ack, action, body, respond }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    if (await saidCannotPostIn(state, channel, respond, { replace_original: false })) return;
    await guarded(state, channel, body.user.id, async () => {
      const original = bot.job(action.value ?? '');
      const change = rerunChangeNamed(action.action_id.slice(IDS.rerunPrefix.length)) ?? 'seed';
      // The new job answers in the same thread as the one it repaints.
      const context = await contextOf(state, body.user.id, body.user.name ?? body.user.id, channel, original?.origin.threadId ?? '');
      const reply = await bot.rerun(action.value ?? '', context, change);
      if (reply.refusal) await tell(state, channel, body.user.id, reply.text, original?.origin.threadId);
    });
  });

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${IDS.pagePrefix}`), async ({ ack, action, body, respond }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    if (await saidCannotPostIn(state, channel, respond, { replace_original: false })) return;
    await guarded(state, channel, body.user.id, () => showPage(state, action.value ?? '', body, channel));
  });
}

/**
 * ◀ / ▶ under a page of the gallery: the other page, posted in the thread of the buttons' line (the
 * first page's line starts it), with buttons of its own. A page gone since (the library shrank) is
 * said to the presser alone.
 */
async function showPage(state: SlackState, value: string, body: BlockAction, channel: string): Promise<void> {
  // Where the buttons are: a refusal is said there; a page goes to their thread, which the first page's line starts.
  const buttonsThread = body.message?.thread_ts as string | undefined;
  const pagesThread = buttonsThread ?? body.message?.ts;
  const request = pageRequestOf(value);
  if (!request) return tell(state, channel, body.user.id, OUTDATED_BUTTON, buttonsThread);
  const reply = await state.bot.execute(request.command, request.options, await contextOf(state, body.user.id, body.user.name ?? body.user.id, channel, pagesThread ?? ''));
  if (reply.refusal || reply.ephemeral || !reply.files?.length) return tell(state, channel, body.user.id, reply.text, buttonsThread);
  await postWithFiles(state, channel, reply, pagesThread);
}

/**
 * Remove: the bot forgets the picture, deletes the files it uploaded to Slack (their ids are in the
 * button's value) and leaves one line in place of the buttons.
 */
async function removePicture(state: SlackState, value: string, body: BlockAction, channel: string): Promise<void> {
  const [jobId = '', ...fileIds] = value.split(' ');
  const reply = await state.bot.remove(jobId, await contextOf(state, body.user.id, body.user.name ?? body.user.id, channel, ''));
  const threadTs = body.message?.thread_ts as string | undefined;
  if (reply.refusal) return tell(state, channel, body.user.id, reply.text, threadTs);
  for (const file of fileIds) await state.client.files.delete({ file }).catch((error: unknown) => state.logger.warn({ err: error, file }, 'could not delete a result from Slack'));
  if (body.message?.ts) await state.client.chat.update({ channel, ts: body.message.ts, text: slackTextOf(state, reply.text), blocks: [] });
}
