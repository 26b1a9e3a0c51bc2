import { HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { createReplayGuard } from './replay-guard.ts';

/** Bolt's HTTP receiver behind the replay guard: a replayed or future-dated request gets 401. */
export function guardedReceiver(signingSecret: string, logger: Logger): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret, logLevel: LogLevel.ERROR, logger: boltLogger(logger) });
  const admit = createReplayGuard();
  const handle = receiver.requestListener;
  receiver.requestListener = (request, response) => {
    if (admit(request.headers)) return handle(request, response);
    logger.warn({ url: request.url }, 'refused a replayed or future-dated Slack request');
    response.writeHead(401).end();
  };
  return receiver;
}

/** Bolt's logger interface, writing into pino; `errorLevel` is where the library's errors go. */
export function boltLogger(logger: Logger, errorLevel: 'error' | 'warn' = 'error') {
  let level = LogLevel.ERROR;
  return {
    debug: (...message: unknown[]) => logger.debug({ slack: message.map(String).join(' ') }),
    info: (...message: unknown[]) => logger.info({ slack: message.map(String).join(' ') }),
    warn: (...message: unknown[]) => logger.warn({ slack: message.map(String).join(' ') }),
    error: (...message: unknown[]) => logger[errorLevel]({ slack: message.map(String).join(' ') }),
    setLevel: (next: LogLevel) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}
