import { z } from 'zod';
import type { Bot } from '../../bot/bot.ts';
import { savedStyleLabel, type SavedStyle } from '../../bot/styles/saved.ts';
import { MOST_PICTURES, type SlackFile } from './conversation.ts';
import { styleChoiceLabel, type Style } from '../../bot/styles/library.ts';
import { pictureChoiceLabel } from '../../bot/format.ts';
import { inGroupsOf } from '../message-limits.ts';
import { IDS } from './state.ts';
import { TARGETS, type Target } from '../../engine/segmentation/targets.ts';

export const OTHER_MESSAGE = '__other__';
export const SAVED_STYLE = '__saved__';
const TARGET_LABELS: Record<Target, string> = { everything: 'Everything', person: 'Only the person', background: 'Only the background' };
/** The stylize options the modal offers as text fields, beside the style and the colours checkbox. */
export const MODAL_NUMBER_FIELDS = ['strength', 'size', 'iterations', 'style_scale'] as const;

/**
 * What the modal carries to its submission, in Slack's 3000-character `private_metadata`: only what
 * fetching the photo needs (a phone's file object with all its thumbnails nearly fills it), and who
 * posted the photo (they may remove the result).
 */
const modalMetadataSchema = z.object({
  channel: z.string(),
  threadTs: z.string(),
  file: z.object({ id: z.string(), name: z.string(), url: z.string() }),
  photoOwner: z.string().optional(),
  /** The message's pictures by ID, when it has several (`file` is the first): the form asks which. */
  pictures: z.array(z.string()).max(MOST_PICTURES).optional(),
});
export type ModalMetadata = Readonly<z.infer<typeof modalMetadataSchema>>;

/** A submitted modal's metadata, or undefined when it is not what `stylizeModal` writes (a form opened before an upgrade). */
export function readModalMetadata(text: string): ModalMetadata | undefined {
  try {
    const parsed = modalMetadataSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function fileRefOf(file: SlackFile): ModalMetadata['file'] {
  return { id: file.id ?? '', name: (file.name ?? 'image').slice(0, 200), url: file.url_private_download ?? file.url_private ?? '' };
}

/**
 * The "Stylize with…" modal: which of the message's pictures when it has several (`pictures`, the
 * first being `metadata.file`), the member's saved style ("Use as style"), a library style or another
 * message's image, and a few options with their ranges as hints.
 */
export function stylizeModal(bot: Bot, community: string, metadata: ModalMetadata, saved?: Pick<SavedStyle, 'name'>, pictures: readonly ModalMetadata['file'][] = []) {
  const definition = bot.definition('stylize')!;
  const styles = bot.library.in(community).list();
  const numberInput = (name: (typeof MODAL_NUMBER_FIELDS)[number]) => {
    const option = definition.options[name]!;
    const hint = option.type === 'integer' || option.type === 'number' ? `${option.min}–${option.max}${option.default !== undefined ? `, default ${option.default}` : option.unset ? `, empty: ${option.unset}` : ''}` : '';
    return {
      type: 'input',
      block_id: name,
      optional: true,
      label: { type: 'plain_text', text: name.replace('_', ' ') },
      hint: { type: 'plain_text', text: `${option.description} (${hint})` },
      element: { type: 'plain_text_input', action_id: name, placeholder: { type: 'plain_text', text: hint } },
    };
  };
  return {
    type: 'modal' as const,
    callback_id: IDS.modal,
    private_metadata: JSON.stringify({
      channel: metadata.channel,
      threadTs: metadata.threadTs,
      file: metadata.file,
      photoOwner: metadata.photoOwner,
      ...(pictures.length > 1 ? { pictures: pictures.map((picture) => picture.id) } : {}),
    }),
    title: { type: 'plain_text' as const, text: 'Stylize with…' },
    submit: { type: 'plain_text' as const, text: 'Stylize' },
    blocks: [
      ...(pictures.length > 1 ? [pictureInput(pictures)] : []),
      {
        type: 'input',
        block_id: 'style',
        optional: true,
        label: { type: 'plain_text', text: 'Style' },
        element: {
          type: 'static_select',
          action_id: 'style_name',
          placeholder: { type: 'plain_text', text: 'A style from the library' },
          ...choicesOf([
            { label: 'Your saved style', options: saved ? [choice(savedStyleLabel(saved), SAVED_STYLE)] : [] },
            { label: 'Library', options: styles.map(libraryChoice) },
            { label: 'Elsewhere', options: [choice('The image in another message…', OTHER_MESSAGE)] },
          ]),
        },
      },
      {
        type: 'input',
        block_id: 'style_link',
        optional: true,
        label: { type: 'plain_text', text: 'Or: link to a message with the style image' },
        element: { type: 'plain_text_input', action_id: 'link', placeholder: { type: 'plain_text', text: 'https://…slack.com/archives/C…/p…' } },
      },
      {
        type: 'input',
        block_id: 'target',
        optional: true,
        label: { type: 'plain_text', text: 'Paint' },
        hint: { type: 'plain_text', text: (definition.options.target?.description ?? '').slice(0, 150) },
        element: {
          type: 'static_select',
          action_id: 'target',
          placeholder: { type: 'plain_text', text: 'everything' },
          options: TARGETS.map((target) => ({ text: { type: 'plain_text', text: TARGET_LABELS[target] }, value: target })),
        },
      },
      // Slack refuses a select without options: a workspace whose library is empty has no background to offer.
      ...(styles.length === 0 ? [] : [backgroundStyleInput(styles)]),
      {
        type: 'input',
        block_id: 'preserve_colors',
        optional: true,
        label: { type: 'plain_text', text: 'Colours' },
        element: {
          type: 'checkboxes',
          action_id: 'preserve_colors',
          options: [{ text: { type: 'plain_text', text: "Keep the photo's colours" }, value: 'true' }],
        },
      },
      ...MODAL_NUMBER_FIELDS.map(numberInput),
    ],
  };
}

/** Which of the message's pictures to paint, the first chosen until another is. */
function pictureInput(pictures: readonly ModalMetadata['file'][]) {
  const options = pictures.map((picture, index) => choice(pictureChoiceLabel(index, picture.name), picture.id));
  return {
    type: 'input',
    block_id: 'picture',
    optional: true,
    label: { type: 'plain_text', text: 'Picture' },
    hint: { type: 'plain_text', text: `The message has ${pictures.length} pictures: the one to paint.` },
    element: { type: 'static_select', action_id: 'picture', initial_option: options[0], options },
  };
}

/** The modal's optional second style, for the background (the person gets the first). */
function backgroundStyleInput(styles: readonly Style[]) {
  return {
    type: 'input',
    block_id: 'background_style',
    optional: true,
    label: { type: 'plain_text', text: 'Background style' },
    hint: { type: 'plain_text', text: 'Paint the background in another style; the person gets the style above.' },
    element: {
      type: 'static_select',
      action_id: 'background_style',
      placeholder: { type: 'plain_text', text: 'none: one style for everything' },
      ...choicesOf([{ label: 'Library', options: styles.map(libraryChoice) }]),
    },
  };
}

interface Choice {
  readonly text: { readonly type: 'plain_text'; readonly text: string };
  readonly value: string;
}

/** A select's choice: Slack shows at most 75 characters of it. */
function choice(label: string, value: string): Choice {
  return { text: { type: 'plain_text', text: label.slice(0, 75) }, value };
}

function libraryChoice(style: Style): Choice {
  return choice(styleChoiceLabel(style), style.name);
}

/** Slack's most options to a select, and to a group of them. */
const MOST_CHOICES = 100;

/**
 * A select's choices: one list where they fit Slack's 100, else in groups of at most 100 (a
 * community's own hundred styles and the shared ones are more), each labelled, a long one by the
 * names it runs from and to. Cut to a hundred, the last styles of a full library could not be chosen.
 */
function choicesOf(sections: readonly { label: string; options: readonly Choice[] }[]): { options: Choice[] } | { option_groups: { label: Choice['text']; options: Choice[] }[] } {
  const all = sections.flatMap((section) => section.options);
  if (all.length <= MOST_CHOICES) return { options: all };
  const groups = sections.flatMap((section) => {
    const parts = inGroupsOf(section.options, MOST_CHOICES);
    return parts.map((options) => ({ label: parts.length > 1 ? `${section.label}: ${options[0]!.value} to ${options.at(-1)!.value}` : section.label, options }));
  });
  return { option_groups: groups.map(({ label, options }) => ({ label: { type: 'plain_text', text: label.slice(0, 75) }, options })) };
}

