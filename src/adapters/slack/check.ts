import { LogLevel, webApi } from '@slack/bolt';
import { pino } from 'pino';
import type { ChatEnvironment } from '../../bot/config.ts';
import type { PlatformCheck } from '../connection-errors.ts';
import { describeStartFailure } from './adapter.ts';
import { boltLogger } from './receiver.ts';

/**
 * For `impasto doctor`: whether Slack takes SLACK_BOT_TOKEN (which workspace, as whom) and, in Socket
 * Mode, SLACK_APP_TOKEN (Slack is asked for a connection's address, which is not opened); refused or
 * out of reach, in the words `npm start` would use.
 */
export async function checkSlack(env: Pick<ChatEnvironment, 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'SLACK_MODE' | 'SLACK_PORT' | 'SLACK_API_URL'>): Promise<PlatformCheck> {
  if (!env.SLACK_BOT_TOKEN) return { configured: false, note: 'SLACK_BOT_TOKEN is not set: the bot is not on Slack' };
  // Quiet: the doctor's own output says what failed.
  const options = { ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}), retryConfig: { retries: 0 }, logger: boltLogger(pino({ level: 'silent' })), logLevel: LogLevel.ERROR };
  let token: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' = 'SLACK_BOT_TOKEN';
  try {
    const identity = await new webApi.WebClient(env.SLACK_BOT_TOKEN, options).auth.test();
    const who = `the bot is ${identity.user ?? '?'} in ${identity.team ?? '?'} (${identity.team_id ?? '?'})`;
    if (env.SLACK_MODE === 'http') return { configured: true, ok: true, note: `Slack takes SLACK_BOT_TOKEN: ${who}; over HTTP, Slack's request URLs must reach port ${env.SLACK_PORT}` };
    if (!env.SLACK_APP_TOKEN) return { configured: true, ok: false, note: 'SLACK_APP_TOKEN is not set, and Socket Mode (SLACK_MODE=socket) needs it: an app-level token (xapp-…) with connections:write' };
    token = 'SLACK_APP_TOKEN';
    await new webApi.WebClient(env.SLACK_APP_TOKEN, options).apps.connections.open();
    return { configured: true, ok: true, note: `Slack takes SLACK_BOT_TOKEN and SLACK_APP_TOKEN: ${who}; Socket Mode offers a connection` };
  } catch (error) {
    return { configured: true, ok: false, note: describeStartFailure(error, token, env) };
  }
}
