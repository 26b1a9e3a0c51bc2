import { forgetUser } from '../forget.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { invocationOf } from './invocation.ts';
import { counted } from '../format.ts';

export function createForgetMeCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'forget-me',
      description: 'Delete everything the bot holds about you here: jobs, photos, results, contest entries, saved style',
      options: { confirm: { type: 'boolean', description: 'true to delete; without it, says what would be deleted', default: false } },
    },
    async (context, args) => {
      if (!args.confirm) {
        const jobs = services.store.byUser(context.requester.platform, context.requester.userId, Number.MAX_SAFE_INTEGER).length;
        const savedStyle = services.savedStyles.find(context.requester) ? ', deletes your saved style' : '';
        return {
          text: `This deletes ${jobs === 0 ? 'your jobs, photos and results (you have none here now)' : `your ${counted(jobs, 'job')} (with your photos and results)`}, cancels any still waiting${savedStyle}, and removes your contest entries; your votes stay, without your name. It cannot be undone. (Without it, your photos and results are deleted ${counted(services.retentionDays, 'day')} after they are painted, contest entries not before their contest ends.) To do it, run it again with confirm set to true: ${invocationOf('forget-me', context.requester.platform, { confirm: context.requester.platform === 'slack' ? 'true' : 'True' })}.`,
          ephemeral: true,
        };
      }
      const report = await forgetUser(services, context.requester);
      return {
        text: `Done: deleted ${counted(report.jobs, 'job')}, ${counted(report.files, 'file')} and ${counted(report.contestEntries, 'contest entry', 'contest entries')}. Nothing else of yours is kept here (messages the bot already posted in chat are the platform's).`,
        ephemeral: true,
      };
    },
  );
}
