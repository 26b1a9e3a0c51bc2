import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { rerunChangeNamed } from '../../../bot/job-messages.ts';
import { VOTE_ACTION } from '../contests.ts';
import { contextOf, tell } from '../conversation.ts';
import { guarded } from '../guarded.ts';
import { IDS, type SlackState } from '../state.ts';

/** Vote and Cancel (answered privately), and a result's Less / More / Again / Paint it properly (a new job in the same thread). */
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

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${IDS.rerunPrefix}`), async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    await guarded(state, channel, body.user.id, async () => {
      const original = bot.job(action.value ?? '');
      const change = rerunChangeNamed(action.action_id.slice(IDS.rerunPrefix.length)) ?? 'seed';
      // The new job answers in the same thread as the one it repaints.
      const context = await contextOf(state, body.user.id, body.user.name ?? body.user.id, channel, original?.origin.threadId ?? '');
      const reply = await bot.rerun(action.value ?? '', context, change);
      if (reply.refusal) await tell(state, channel, body.user.id, reply.text, original?.origin.threadId);
    });
  });
}
