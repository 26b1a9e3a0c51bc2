import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stylizeModal, type ModalMetadata } from '../../src/adapters/slack/modal.ts';
import type { RgbImage } from '../../src/engine/image.ts';
import { MAX_OWN_STYLES } from '../../src/bot/styles/library.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { viewErrors } from '../fakes/slack/blocks.ts';

/**
 * The "Stylize with…" form against the limits Slack's Block Kit reference gives (the fake Slack
 * refuses a view that breaks them, as Slack does), at the library's extremes: none, and more styles
 * than a select may list. No engine is started: the form is built from the definitions and the library.
 */
let harness: TestBot;
const metadata: ModalMetadata = { channel: 'C0GENERAL', threadTs: '1.0', file: { id: 'F1', name: 'photo.jpg', url: 'https://files.slack.com/photo.jpg' } };
const swatch: RgbImage = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) };

beforeAll(async () => {
  harness = await startTestBot({}, undefined, undefined, { start: false });
});
afterAll(async () => {
  await harness?.stop();
});

describe('the Stylize with… form', () => {
  it('is one Slack accepts when the workspace has no library style (no empty background select)', () => {
    const view = stylizeModal(harness.bot, 'slack:T0EMPTY', metadata);
    expect(viewErrors(view)).toEqual([]);
    expect(view.blocks.map((block) => block.block_id)).not.toContain('background_style');
    // With a saved style too: it is the style select's first choice.
    expect(viewErrors(stylizeModal(harness.bot, 'slack:T0EMPTY', metadata, { name: 'a photo of a painting with a long file name.jpg' }))).toEqual([]);
  });

  it('is one Slack accepts with more choices than a select may list, each named as long as a name may be', async () => {
    // As many styles as a workspace may add, and the saved style besides: 101 choices.
    const styles = harness.bot.library.in('slack:T0MANY');
    for (let index = 0; index < MAX_OWN_STYLES; index++) await styles.add(`style-${String(index).padStart(3, '0')}-${'x'.repeat(22)}`, swatch, 'U0MOD');
    const view = stylizeModal(harness.bot, 'slack:T0MANY', metadata, { name: 'mine.jpg' });
    expect(viewErrors(view)).toEqual([]);
    expect(view.blocks.map((block) => block.block_id)).toContain('background_style');
  });

  it('would be refused by the fake as Slack refuses it (the check itself works)', () => {
    const view = stylizeModal(harness.bot, 'slack:T0EMPTY', metadata);
    expect(viewErrors({ ...view, title: { type: 'plain_text', text: 'A title longer than Slack allows' } })).toEqual(['view/title: 1 to 24 characters (it has 32)']);
    const emptySelect = { type: 'input', block_id: 'b', label: { type: 'plain_text', text: 'Pick' }, element: { type: 'static_select', action_id: 'a', options: [] } };
    expect(viewErrors({ ...view, blocks: [emptySelect] })).toEqual(['view/blocks/0/element/options: 1 to 100 (it has 0); `options` or `option_groups` must be specified']);
  });
});
