import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOST_PICTURES } from '../../src/adapters/slack/conversation.ts';
import { OTHER_MESSAGE, SAVED_STYLE, stylizeModal, type ModalMetadata } from '../../src/adapters/slack/modal.ts';
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

interface SelectElement {
  readonly options?: readonly { readonly value: string }[];
  readonly option_groups?: readonly { readonly label: { readonly text: string }; readonly options: readonly { readonly value: string }[] }[];
}

function elementOf(view: ReturnType<typeof stylizeModal>, blockId: string): SelectElement {
  return (view.blocks.find((block) => block.block_id === blockId) as { element: SelectElement }).element;
}

/** What a select offers, in order, whether as one list or in groups. */
function valuesOf(view: ReturnType<typeof stylizeModal>, blockId: string): string[] {
  const element = elementOf(view, blockId);
  return (element.options ?? element.option_groups?.flatMap((group) => group.options) ?? []).map((option) => option.value);
}

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
    // And the shared library's, which every community sees besides its own.
    for (const name of ['van-gogh', 'vermeer', 'whistler']) await harness.bot.library.shared().add(name, swatch, 'operator');
    const view = stylizeModal(harness.bot, 'slack:T0MANY', metadata, { name: 'mine.jpg' });
    expect(viewErrors(view)).toEqual([]);
    // Every style can be chosen, in both selects: the last of a full library too.
    const names = styles.list().map((style) => style.name);
    expect(names).toHaveLength(MAX_OWN_STYLES + 3);
    expect(valuesOf(view, 'style')).toEqual([SAVED_STYLE, ...names, OTHER_MESSAGE]);
    expect(valuesOf(view, 'background_style')).toEqual(names);
    // In labelled groups, since there are more than a select's 100.
    const groups = (elementOf(view, 'style').option_groups ?? []).map((group) => group.label.text);
    expect(groups).toEqual(['Your saved style', 'Library: style-000-xxxxxxxxxxxxxxxxxxxxxx to style-099-xxxxxxxxxxxxxxxxxxxx', 'Library: van-gogh to whistler', 'Elsewhere']);
  });

  it('lists a small library’s choices as one list, without groups', () => {
    const view = stylizeModal(harness.bot, 'slack:T0EMPTY', metadata, { name: 'mine.jpg' });
    expect(elementOf(view, 'style').option_groups).toBeUndefined();
    expect(valuesOf(view, 'style')).toEqual([SAVED_STYLE, ...harness.bot.library.in('slack:T0EMPTY').list().map((style) => style.name), OTHER_MESSAGE]);
  });

  it('asks which picture of a message with ten, each named as long as a name may be, and is still one Slack accepts', () => {
    const pictures = Array.from({ length: MOST_PICTURES }, (_, index) => ({ id: `F0${String(index).padStart(9, '0')}`, name: `${'long-camera-name-'.repeat(12)}${index}.jpg`.slice(0, 200), url: `https://files.slack.com/files-pri/T0-F0${index}/photo.jpg` }));
    const view = stylizeModal(harness.bot, 'slack:T0EMPTY', { ...metadata, file: pictures[0]! }, undefined, pictures);
    expect(viewErrors(view)).toEqual([]);
    expect(view.blocks[0]!.block_id).toBe('picture');
    expect(valuesOf(view, 'picture')).toEqual(pictures.map((picture) => picture.id));
    // The form's metadata names them by ID: ten long names and addresses would not fit Slack's 3000 characters.
    expect(JSON.parse(view.private_metadata).pictures).toEqual(pictures.map((picture) => picture.id));
    expect(view.private_metadata.length).toBeLessThan(1000);
    // One picture: nothing to ask.
    expect(stylizeModal(harness.bot, 'slack:T0EMPTY', metadata, undefined, [metadata.file]).blocks.map((block) => block.block_id)).not.toContain('picture');
  });

  it('would be refused by the fake as Slack refuses it (the check itself works)', () => {
    const view = stylizeModal(harness.bot, 'slack:T0EMPTY', metadata);
    expect(viewErrors({ ...view, title: { type: 'plain_text', text: 'A title longer than Slack allows' } })).toEqual(['view/title: 1 to 24 characters (it has 32)']);
    const emptySelect = { type: 'input', block_id: 'b', label: { type: 'plain_text', text: 'Pick' }, element: { type: 'static_select', action_id: 'a', options: [] } };
    expect(viewErrors({ ...view, blocks: [emptySelect] })).toEqual(['view/blocks/0/element/options: 1 to 100 (it has 0); `options` or `option_groups` must be specified']);
    const option = (index: number) => ({ text: { type: 'plain_text', text: `style ${index}` }, value: `s${index}` });
    const overfullGroup = { ...emptySelect, element: { type: 'static_select', action_id: 'a', option_groups: [{ label: { type: 'plain_text', text: 'All' }, options: Array.from({ length: 101 }, (_, index) => option(index)) }] } };
    expect(viewErrors({ ...view, blocks: [overfullGroup] })).toEqual(['view/blocks/0/element/option_groups/0/options: 1 to 100 (it has 101); `options` or `option_groups` must be specified']);
    const both = { ...emptySelect, element: { type: 'static_select', action_id: 'a', options: [option(1)], option_groups: [{ label: { type: 'plain_text', text: 'All' }, options: [option(2)] }] } };
    expect(viewErrors({ ...view, blocks: [both] })).toEqual(['view/blocks/0/element: `options` and `option_groups` cannot both be given']);
    const strayInitial = { ...emptySelect, element: { type: 'static_select', action_id: 'a', options: [option(1)], initial_option: option(2) } };
    expect(viewErrors({ ...view, blocks: [strayInitial] })).toEqual(['view/blocks/0/element/initial_option: must be one of the options']);
  });
});
