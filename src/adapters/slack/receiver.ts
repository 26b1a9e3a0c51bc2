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

/** Bolt's logger interface, writing into pino (a line's message is the library's); `errorLevel` is where the library's errors go. */
export function boltLogger(logger: Logger, errorLevel: 'error' | 'warn' = 'error') {
  let level = LogLevel.ERROR;
  const say = (as: 'debug' | 'info' | 'warn' | 'error') => (...message: unknown[]) => logger[as](`Slack's client: ${message.map(String).join(' ')}`);
  return {
    debug: say('debug'),
    info: say('info'),
    warn: say('warn'),
    error: say(errorLevel),
    setLevel: (next: LogLevel) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}
