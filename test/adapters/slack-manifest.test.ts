import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { IDS } from '../../src/adapters/slack/state.ts';

/**
 * The manifest is what a workspace installs: a shortcut the adapter listens for but the manifest
 * lacks would never reach the bot. Read as text (no YAML parser is a dependency).
 */
describe('slack-app-manifest.yml', () => {
  it('declares exactly the message shortcuts the adapter listens for', async () => {
    const manifest = await readFile(new URL('../../slack-app-manifest.yml', import.meta.url), 'utf8');
    const declared = [...manifest.matchAll(/^\s+callback_id: (\S+)$/gm)].map((match) => match[1]);
    expect(declared.sort()).toEqual([IDS.stylizeShortcut, IDS.useAsStyleShortcut].sort());
  });

  it('lets members write to the bot, and subscribes to what they write there', async () => {
    // Without all three, Slack greys out the Messages tab or never sends the bot its direct messages.
    const manifest = await readFile(new URL('../../slack-app-manifest.yml', import.meta.url), 'utf8');
    expect(manifest).toMatch(/^ {4}messages_tab_enabled: true$/m);
    expect(manifest).toMatch(/^ {4}messages_tab_read_only_enabled: false$/m);
    expect(manifest).toMatch(/^ {6}- im:history\b/m);
    expect(manifest).toMatch(/^ {6}- message\.im$/m);
  });

  it('has a Home tab, and subscribes to its opening (the tab is drawn then)', async () => {
    const manifest = await readFile(new URL('../../slack-app-manifest.yml', import.meta.url), 'utf8');
    expect(manifest).toMatch(/^ {4}home_tab_enabled: true$/m);
    expect(manifest).toMatch(/^ {6}- app_home_opened$/m);
  });
});
