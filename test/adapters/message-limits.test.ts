import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_LIMITS, splitText } from '../../src/adapters/message-limits.ts';
import { contextFor, startTestBot } from '../helpers/bot.ts';

let harness: Awaited<ReturnType<typeof startTestBot>>;
beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' });
});
afterAll(() => harness.stop());

describe('message limits', () => {
  it('splits at line breaks, cuts only a line that is too long by itself, and loses nothing', () => {
    const text = ['a'.repeat(900), 'b'.repeat(900), 'c'.repeat(900), 'd'.repeat(2500)].join('\n');
    const pieces = splitText(text, 2000);
    expect(pieces.map((piece) => piece.length)).toEqual([1801, 900, 2000, 500]);
    expect(pieces.join('\n').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
    expect(splitText('short', 2000)).toEqual(['short']);
  });

  it('every command’s reply fits each platform’s documented limit once split', async () => {
    for (const command of harness.bot.commands) {
      const name = command.definition.name;
      for (const platform of ['discord', 'slack'] as const) {
        const reply = await harness.bot.execute(name, {}, contextFor('moderator', { platform, isModerator: true }));
        const pieces = splitText(reply.text, MESSAGE_LIMITS[platform]);
        for (const piece of pieces) expect(piece.length, `/${name} on ${platform}`).toBeLessThanOrEqual(MESSAGE_LIMITS[platform]);
        expect(pieces.join('\n'), `/${name} on ${platform}`).toBe(reply.text);
      }
    }
    // /help is one message even on Discord, and so is each command's own (the longest, /stylize's).
    for (const platform of ['discord', 'slack'] as const) {
      expect((await harness.bot.execute('help', {}, contextFor('someone', { platform }))).text.length).toBeLessThanOrEqual(MESSAGE_LIMITS.discord);
      for (const command of harness.bot.commands) {
        const name = command.definition.name;
        if (name === 'help') continue;
        expect((await harness.bot.execute('help', { command: name }, contextFor('someone', { platform }))).text.length, name).toBeLessThanOrEqual(MESSAGE_LIMITS.discord);
      }
    }
  });
});
