import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogFormat } from './config.ts';

/**
 * Structured logs (JSON lines on stdout; for people on a terminal). Two guards keep secrets out:
 * pino redacts the usual places a credential sits (headers, tokens), and every line is scrubbed of
 * the configured secret values, wherever they hide (an error message, a URL), before it is printed
 * in either format.
 */
export function createLogger(options: { level: string; secrets: readonly string[]; destination?: NodeJS.WritableStream; format?: LogFormat }): Logger {
  const secrets = options.secrets.filter((secret) => secret.length >= 6);
  const destination = options.destination ?? process.stdout;
  const terminal = (destination as { isTTY?: boolean }).isTTY === true;
  const format = options.format ?? 'json';
  const sink = format === 'pretty' || (format === 'auto' && terminal) ? PinoPretty({ destination, colorize: terminal, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true }) : destination;
  const scrubbing = {
    write(line: string) {
      let clean = line;
      for (const secret of secrets) clean = clean.split(secret).join('[REDACTED]');
      sink.write(clean);
    },
  };
  return pino(
    {
      level: options.level,
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'password', '*.password', 'secret', '*.secret'],
        censor: '[REDACTED]',
      },
    },
    scrubbing,
  );
}
