import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RedisConnections } from '../../src/bot/jobs/redis/remote-protocol.ts';
import { createLogger } from '../../src/bot/logger.ts';
import { freePort } from '../helpers/redis.ts';

// A worker started with a mistyped REDIS_URL logged one warning, then "engine ready", then nothing:
// it looked ready, and took no job. Real ioredis connections, to a port nothing listens on.
describe('a Redis out of reach', () => {
  it('is said with where it was looked for and what waits, then again while it lasts, never with the password', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', secrets: [], destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
    const port = await freePort();
    const connections = new RedisConnections(`redis://:hunter2-in-the-url@127.0.0.1:${port}`, logger, { consequence: 'this worker takes no job', reminderMs: 100 });
    const messages = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    try {
      // Two connections, each retrying: one outage.
      connections.open('impasto-test-files');
      connections.open('impasto-test-cancel');
      await expect.poll(() => messages().filter((message) => message.includes('has not answered for')).length).toBeGreaterThanOrEqual(2);
    } finally {
      connections.closeAll();
    }
    const [first, ...reminders] = messages();
    expect(first).toBe(`Redis connection error at 127.0.0.1:${port}: this worker takes no job until it answers. Is it running, and is REDIS_URL right? (Retrying; until Redis answers again, further errors are logged at debug level.)`);
    expect(reminders).toEqual(reminders.map(() => expect.stringMatching(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} has not answered for \\d+ s: this worker takes no job until it does \\(retrying\\)\\.$`))));
    expect(lines.join('')).not.toContain('hunter2');
    // Closed, it says no more.
    const said = lines.length;
    await sleep(400);
    expect(lines.length).toBe(said);
  });
});
