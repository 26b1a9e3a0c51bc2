import type { Logger } from 'pino';
import { formatDuration } from '../bot/format.ts';

export interface ConnectionWatchOptions {
  /** The platform as people name it ("Discord"), for the log. */
  readonly platform: string;
  readonly logger: Logger;
  /** Each change, as it happens (the bot's `impasto_chat_connected` gauge). */
  readonly report: (connected: boolean) => void;
  /**
   * How long the connection may be down before the log says so. Both platforms ask their clients to
   * reconnect now and then, and a blip is over in a second: neither is an operator's concern.
   */
  readonly graceMs?: number;
  /** While it stays down, how often the log says so again. */
  readonly reminderMs?: number;
}

export interface ConnectionWatch {
  /** The connection dropped, and the platform's client is re-establishing it. */
  lost(): void;
  /** The connection holds (again). */
  restored(): void;
  /** No more lines (the adapter is stopping, and its client's disconnection is its own doing). */
  stop(): void;
}

/**
 * Follows an adapter's live connection to its platform (Discord's gateway, Slack's Socket Mode
 * socket). Its client re-establishes it by itself, and did so silently: a long outage left nothing in
 * the log while no message or command reached the bot. Now a warning once it has been down for
 * `graceMs`, again every `reminderMs` while it stays down, and a line when it is back, saying for how
 * long it was out; each change goes to `report` at once.
 */
export function watchConnection(options: ConnectionWatchOptions): ConnectionWatch {
  const { platform, logger, report, graceMs = 30_000, reminderMs = 5 * 60_000 } = options;
  const now = () => Date.now();
  let lostAt: number | undefined;
  let warned = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const warn = () => {
    warned = true;
    logger.warn({ downForMs: now() - lostAt! }, `no connection to ${platform} for ${formatDuration(now() - lostAt!)}: nothing said in chat reaches the bot until it is back (it keeps reconnecting)`);
    timer = setTimeout(warn, reminderMs).unref();
  };

  report(true);
  return {
    lost() {
      if (stopped || lostAt !== undefined) return;
      lostAt = now();
      report(false);
      timer = setTimeout(warn, graceMs).unref();
    },
    restored() {
      if (stopped || lostAt === undefined) return;
      clearTimeout(timer);
      if (warned) logger.info({ downForMs: now() - lostAt }, `connected to ${platform} again, after ${formatDuration(now() - lostAt)}`);
      lostAt = undefined;
      warned = false;
      report(true);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
