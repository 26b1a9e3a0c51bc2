import { ErrorCode as BoltErrorCode, webApi } from '@slack/bolt';
import type { ActionsBlock, Button, KnownBlock } from '@slack/web-api';
import type { Logger } from 'pino';
import { pageButtonsOf } from '../../bot/commands/pages.ts';
import type { Reply } from '../../bot/commands/types.ts';
import { describeFailure } from '../../bot/errors.ts';
import type { JobAction } from '../../bot/job-messages.ts';
import type { Job } from '../../bot/jobs/store.ts';
import { logListenerFailure, networkCodeOf, notAnsweringText } from '../connection-errors.ts';
import type { JobDelivery } from '../deliveries.ts';
import { slackErrorOf, slackTextOf, type SlackReplyRef } from './conversation.ts';
import { IDS, type SlackState } from './state.ts';

// The Web API client's error codes, through Bolt (which depends on it; we do not directly).
const { ErrorCode } = webApi;

/**
 * A message's actions as one Slack actions block (none when it has no actions). Remove carries the
 * ids of the result's uploaded files in its value, so that it can delete them after a restart too.
 */
export function actionBlocks(actions: readonly JobAction[], uploadedFileIds: readonly string[] = []): ActionsBlock[] {
  if (actions.length === 0) return [];
  return [{ type: 'actions', elements: actions.map((action) => buttonOf(action, uploadedFileIds)) }];
}

function buttonOf(action: JobAction, uploadedFileIds: readonly string[]): Button {
  const text = { type: 'plain_text' as const, text: action.label };
  switch (action.kind) {
    case 'cancel':
      return { type: 'button', action_id: IDS.cancel, text, value: action.jobId, style: 'danger' };
    case 'remove':
      return { type: 'button', action_id: IDS.remove, text, value: [action.jobId, ...uploadedFileIds].join(' '), style: 'danger' };
    case 'rerun':
      return { type: 'button', action_id: `${IDS.rerunPrefix}${action.change}`, text, value: action.jobId };
  }
}

/**
 * A reply with pictures (the gallery, a leaderboard), posted in the channel or a thread. Uploads carry
 * no buttons, so a page of several is followed by a line with ◀ and ▶, whose pages are posted in its
 * thread: the channel keeps one gallery, however far it is leafed through.
 */
export async function postWithFiles(state: SlackState, channel: string, reply: Pick<Reply, 'text' | 'files' | 'pages'>, threadTs?: string): Promise<void> {
  const thread = threadTs ? { thread_ts: threadTs } : {};
  await state.client.filesUploadV2({ channel_id: channel, ...thread, initial_comment: slackTextOf(state, reply.text), file_uploads: (reply.files ?? []).map((file) => ({ file: Buffer.from(file.bytes), filename: file.name })) });
  const buttons = pageButtonsOf(reply.pages);
  if (!reply.pages || buttons.length === 0) return;
  const text = `Page ${reply.pages.current} of ${reply.pages.count}.`;
  const elements = buttons.map((button): Button => ({ type: 'button', action_id: `${IDS.pagePrefix}${button.direction}`, text: { type: 'plain_text', text: button.label }, value: button.request }));
  await state.client.chat.postMessage({ channel, ...thread, text, blocks: [{ type: 'section', text: { type: 'plain_text', text } }, { type: 'actions', elements }] });
}

/**
 * A job event → the job's one status message in its thread (posted, then updated), mentioning the
 * user. A result's files are uploaded into the thread; uploads carry no buttons, so the result's
 * buttons follow as a message of their own.
 */
export async function deliverToSlack(state: SlackState, { job, message, files }: JobDelivery): Promise<void> {
  const ref = replyRefOf(job);
  if (!ref) return;
  const who = `<@${ref.userId}>`;
  const text = `${who} ${slackTextOf(state, message.text)}`;
  await postStatus(state, job, ref, text, message.files.length > 0 ? [] : message.actions);
  if (files.length === 0) return;
  let fileIds = state.uploadedResults.get(job.id) ?? ref.uploadedFileIds?.split(' ').filter((id) => id !== '');
  if (!fileIds) {
    const uploaded = await state.client.filesUploadV2({
      channel_id: ref.channel,
      thread_ts: ref.threadTs,
      initial_comment: `${who} ${slackTextOf(state, message.details ?? '')}`,
      // No alt text (the files' descriptions): uploads that carry one have been reported to go
      // unshared, silently (python-slack-sdk#1818, a server-side issue, open), and the result is the product.
      file_uploads: files.map((file) => ({ file: Buffer.from(file.bytes), filename: file.name })),
    });
    fileIds = uploaded.files.flatMap((completion) => completion.files?.flatMap((file) => (file.id ? [file.id] : [])) ?? []);
    state.uploadedResults.set(job.id, fileIds);
    state.bot.addToReply(job.id, { uploadedFileIds: fileIds.join(' ') });
  }
  await state.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.threadTs, text: 'Try it again: less style, more style, or another seed.', blocks: actionBlocks(message.actions, fileIds) });
}

/** Slack's own answers that mean "not now" rather than "no". */
const TEMPORARY_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Whether a failed call to Slack may succeed later: the network gone or timed out, Slack failing or
 * overloaded (after the Web API client's own tries). A refusal (not in the channel, a deleted
 * thread, a revoked token) will not change.
 */
export function isTemporarySlackError(error: unknown): boolean {
  return isSlackOutage(error) || networkCodeOf(error) !== undefined;
}

/**
 * Socket Mode's client failing to send a request's acknowledgement: the socket dropped (or is being
 * replaced) while the request was handled. Its package's codes, written out: it is Bolt's own
 * dependency, not ours to import.
 */
const SOCKET_SEND_ERRORS: ReadonlySet<unknown> = new Set(['slack_socket_mode_send_while_not_ready_error', 'slack_socket_mode_send_while_disconnected_error', 'slack_socket_mode_websocket_error']);

/**
 * Slack itself failing for the moment, as the Web API client reports it after its own tries: its
 * servers, its rate limits, a call that got no answer; or the Socket Mode connection lost as a
 * request was answered. Not ours to fix, so a listener that fails so logs a warning, and the member
 * is asked to try again.
 */
export function isSlackOutage(error: unknown): boolean {
  const { code, statusCode, message } = (error ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (SOCKET_SEND_ERRORS.has(code)) return true;
  switch (code) {
    case ErrorCode.RequestError:
    case ErrorCode.RateLimitedError:
      return true;
    case ErrorCode.HTTPError:
    // Bolt's `respond`, posting to a command's response_url.
    case BoltErrorCode.RespondError:
      return typeof statusCode === 'number' && (statusCode >= 500 || statusCode === 429);
    case ErrorCode.PlatformError:
      return TEMPORARY_SLACK_ERRORS.has(slackErrorOf(error) ?? '');
  }
  // The client's last try after a rate limit, and a file upload's own failure, throw plain errors.
  return typeof message === 'string' && (message.startsWith('A rate limit was exceeded') || message.startsWith('Failed to upload file'));
}

/** What the member is told of a request that failed: that Slack did not answer, or `describeFailure`'s words. */
export function describeSlackFailure(error: unknown): string {
  return isSlackOutage(error) ? notAnsweringText('Slack') : describeFailure(error);
}

/** A listener's failure in the log: a warning when Slack failed for the moment (`isSlackOutage`), else an error, ours to look into. */
export function logSlackFailure(logger: Logger, error: unknown, message: string): void {
  logListenerFailure(logger, error, { platform: 'Slack', outage: isSlackOutage(error) }, message);
}

/** Slack's answers to an update of a message that is no longer there to update (deleted meanwhile). */
const GONE_MESSAGE_ERRORS = new Set(['message_not_found', 'cant_update_message']);

/**
 * The job's status message updated, or posted when it has none yet (or it was deleted): its `ts` is
 * kept in memory and with the job, so that the bot updates the same message after a restart.
 */
async function postStatus(state: SlackState, job: Job, ref: SlackReplyRef, text: string, actions: readonly JobAction[]): Promise<void> {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }, ...actionBlocks(actions)];
  const ts = state.statusMessages.get(job.id) ?? ref.statusTs;
  if (ts) {
    const updated = await state.client.chat.update({ channel: ref.channel, ts, text, blocks }).then(
      () => true,
      (error: unknown) => {
        if (GONE_MESSAGE_ERRORS.has(slackErrorOf(error) ?? '')) return false;
        throw error;
      },
    );
    if (updated) return;
  }
  const posted = await state.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.threadTs, text, blocks });
  if (!posted.ts) return;
  state.statusMessages.set(job.id, posted.ts);
  state.bot.addToReply(job.id, { statusTs: posted.ts });
}

function replyRefOf(job: Job): SlackReplyRef | undefined {
  return job.origin.platform === 'slack' ? (job.origin.reply as unknown as SlackReplyRef) : undefined;
}
