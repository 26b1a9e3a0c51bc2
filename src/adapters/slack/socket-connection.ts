import type { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { watchConnection, type ConnectionWatchOptions } from '../connection-watch.ts';

type SocketModeClient = SocketModeReceiver['client'];

/** The waits before each new try at the connection, the last repeated for as long as it takes. */
const RECONNECT_DELAYS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface SocketConnectionOptions extends Pick<ConnectionWatchOptions, 'graceMs' | 'reminderMs'> {
  readonly logger: Logger;
  readonly report: (connected: boolean) => void;
  readonly reconnectDelaysMs?: readonly number[];
}

/**
 * Keeps Slack's Socket Mode connection up, for as long as it takes. The client's own reconnection
 * gives up for good when Slack's Web API fails as it asks for a new socket address (a 5xx, the
 * network gone: an unhandled rejection, and the bot deaf to Slack until restarted), so the client is
 * made with `autoReconnectEnabled: false` and reconnected here, each failed try followed by the next
 * after `reconnectDelaysMs`. Slack's own "please reconnect" (it recycles its servers) comes here as
 * a closed connection like any other. The outage is said in the log and the metrics (`watchConnection`).
 */
export function keepSocketConnected(client: SocketModeClient, options: SocketConnectionOptions): { stop(): void } {
  const { logger, reconnectDelaysMs = RECONNECT_DELAYS_MS } = options;
  const watch = watchConnection({ platform: 'Slack', logger, report: options.report, graceMs: options.graceMs, reminderMs: options.reminderMs });
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let starting = false;
  // Called once the first connection is up (the adapter's start waits for it).
  let connected = true;

  const reconnectLater = () => {
    if (stopped || starting || timer) return;
    const delay = reconnectDelaysMs[Math.min(failures, reconnectDelaysMs.length - 1)]!;
    timer = setTimeout(() => {
      timer = undefined;
      void reconnect();
    }, delay).unref();
  };

  const reconnect = async () => {
    if (stopped) return;
    starting = true;
    try {
      await client.start();
      failures = 0;
    } catch (error) {
      failures += 1;
      logger.debug({ err: error, failures }, 'could not reconnect to Slack yet');
    } finally {
      starting = false;
    }
    // A try that failed, or a connection that closed again as it was made.
    if (!connected) reconnectLater();
  };

  client.on('disconnected', () => {
    connected = false;
    if (stopped) return;
    watch.lost();
    reconnectLater();
  });
  client.on('connected', () => {
    connected = true;
    watch.restored();
  });

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      watch.stop();
    },
  };
}
