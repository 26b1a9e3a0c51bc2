import { pino, type Logger } from 'pino';

/**
 * Structured logs (JSON lines on stdout). Two guards keep secrets out: pino redacts the usual
 * places a credential sits (headers, tokens), and every line is scrubbed of the configured secret
 * values, wherever they hide (an error message, a URL).
 */
export function createLogger(options: { level: string; secrets: readonly string[]; destination?: NodeJS.WritableStream }): Logger {
  const secrets = options.secrets.filter((secret) => secret.length >= 6);
  const destination = options.destination ?? process.stdout;
  const scrubbing = {
    write(line: string) {
      let clean = line;
      for (const secret of secrets) clean = clean.split(secret).join('[REDACTED]');
      destination.write(clean);
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
