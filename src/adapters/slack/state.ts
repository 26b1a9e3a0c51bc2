import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { BotEnvironment } from '../../bot/config.ts';

/** What the Slack listeners share: the bot, the Web API client and the adapter's own small memory. */
export interface SlackState {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  readonly client: WebClient;
  /** Each job's status message in its thread (the `ts` to update), until the job ends. */
  readonly statusMessages: Map<string, string>;
  /**
   * A finished job's uploaded files, until its buttons are posted too: a last message tried again
   * (Slack failed in between) then does not upload the picture twice. Kept with the job as well
   * (`SlackReplyRef.uploadedFileIds`), for the next start.
   */
  readonly uploadedResults: Map<string, readonly string[]>;
  /** Members who opened the Home tab since the start, with their conversation with the app: it is drawn again as their jobs start and end. */
  readonly homeViewers: Map<string, string>;
  /** Whether a user is a workspace admin, asked of Slack at most every five minutes. */
  readonly moderatorCache: Map<string, { readonly value: boolean; readonly until: number }>;
  /** The workspace's community (`slack:<team id>`): one bot token serves one workspace. */
  readonly community: string;
  /** The bot token's scopes as Slack reported them at start (absent when it did not say). */
  readonly scopes?: readonly string[] | undefined;
}

/** Ids of our interactive parts, read back by the listeners. */
export const IDS = {
  stylizeShortcut: 'stylize_with',
  useAsStyleShortcut: 'use_as_style',
  /** The menu of a message's pictures that "Use as style" shows when it has several. */
  keepPicture: 'impasto_keep_picture',
  modal: 'impasto_stylize',
  cancel: 'impasto_cancel',
  rerunPrefix: 'impasto_rerun_',
  remove: 'impasto_remove',
  /** Followed by `previous` or `next`: a gallery's page buttons (two in one block need two ids). */
  pagePrefix: 'impasto_page_',
} as const;
