import type { KnownEventFromType } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { directRequestOf } from '../../src/adapters/slack/listeners/direct-message.ts';

/** Message events as Slack sends them (trimmed to what the listener reads). */
const eventOf = (fields: Record<string, unknown>) => ({ type: 'message', channel: 'D0ALICE', channel_type: 'im', ts: '1700000000.000100', event_ts: '1700000000.000100', ...fields }) as unknown as KnownEventFromType<'message'>;

describe('a direct message to the bot (Slack)', () => {
  it('is a request when a member writes or sends a picture there', () => {
    expect(directRequestOf(eventOf({ user: 'U0ALICE', text: 'the-scream size=64' }))).toMatchObject({ user: 'U0ALICE', text: 'the-scream size=64', channel: 'D0ALICE' });
    const files = [{ id: 'F1', name: 'a.jpg', mimetype: 'image/jpeg', url_private: 'https://files.slack.com/a.jpg' }];
    expect(directRequestOf(eventOf({ subtype: 'file_share', user: 'U0ALICE', files }))).toMatchObject({ user: 'U0ALICE', text: '', files });
    expect(directRequestOf(eventOf({ subtype: 'thread_broadcast', user: 'U0ALICE', text: 'udnie', thread_ts: '1700000000.000050' }))).toMatchObject({ thread_ts: '1700000000.000050' });
  });

  it('is not one in a channel, nor for an edit, a deletion, another bot or a join', () => {
    expect(directRequestOf(eventOf({ user: 'U0ALICE', text: 'the-scream', channel: 'C0GENERAL', channel_type: 'channel' }))).toBeUndefined();
    for (const subtype of ['message_changed', 'message_deleted', 'bot_message', 'channel_join']) {
      expect(directRequestOf(eventOf({ subtype, user: 'U0ALICE', text: 'the-scream' }))).toBeUndefined();
    }
    expect(directRequestOf(eventOf({ subtype: 'message_changed', message: { user: 'U0ALICE', text: 'the-scream' } }))).toBeUndefined();
  });
});
