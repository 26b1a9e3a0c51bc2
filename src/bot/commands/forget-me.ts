import { forgetUser } from '../forget.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createForgetMeCommand(services: BotServices, onForgotten: (requester: Parameters<typeof forgetUser>[1]) => void) {
  return defineCommand(
    {
      name: 'forget-me',
      description: 'Delete everything the bot holds about you here: jobs, photos, results, contest entries',
      options: { confirm: { type: 'boolean', description: 'true to delete; without it, says what would be deleted', default: false } },
    },
    async (context, args) => {
      if (!args.confirm) {
        const jobs = services.store.byUser(context.requester.platform, context.requester.userId, Number.MAX_SAFE_INTEGER).length;
        return {
          text: `This deletes your ${jobs} job${jobs === 1 ? '' : 's'} (with your photos and results), cancels any still waiting, and removes your contest entries; your votes stay, without your name. It cannot be undone. To do it, run it again with confirm set to true (Discord: /forget-me confirm:True; Slack: /impasto forget-me confirm=true).`,
          ephemeral: true,
        };
      }
      const report = await forgetUser(services, context.requester);
      onForgotten(context.requester);
      return {
        text: `Done: deleted ${report.jobs} job${report.jobs === 1 ? '' : 's'}, ${report.files} file${report.files === 1 ? '' : 's'} and ${report.contestEntries} contest entr${report.contestEntries === 1 ? 'y' : 'ies'}. Nothing else of yours is kept here (messages the bot already posted in chat are the platform's).`,
        ephemeral: true,
      };
    },
  );
}
