import type { App, ViewSubmitAction } from '@slack/bolt';
import type { UploadedImage } from '../../../bot/commands/types.ts';
import { checkOptions } from '../../../bot/commands/validate.ts';
import { BotError } from '../../../bot/errors.ts';
import { SAVED_STYLE_NAME } from '../../../bot/styles/saved.ts';
import { chosenFileOf, contextOf, fetchFile, imageOf, linkedPictureHostOf, threadStarterOf, type SlackFile } from '../conversation.ts';
import { noPictureText } from '../../../bot/format.ts';
import { guarded, stylize } from '../guarded.ts';
import { MODAL_NUMBER_FIELDS, OTHER_MESSAGE, readModalMetadata, SAVED_STYLE, type ModalMetadata } from '../modal.ts';
import { IDS, type SlackState } from '../state.ts';
import { parseMessageLink } from '../text.ts';

type ModalValues = ViewSubmitAction['view']['state']['values'];

const FORM_OUT_OF_DATE = 'This form is out of date (impasto was updated since it opened): close it and choose Stylize with… on the message again.';

/** The stylize modal submitted: cheap checks answer beside the field (inside Slack's 3 seconds), then the job starts. */
export function registerModalSubmit(app: App, state: SlackState): void {
  app.view<ViewSubmitAction>(IDS.modal, async ({ ack, view, body }) => {
    const values = view.state.values;
    const metadata = readModalMetadata(view.private_metadata);
    if (!metadata) return void (await ack({ response_action: 'errors', errors: { style: FORM_OUT_OF_DATE } }));
    const chosen = values.style?.style_name?.selected_option?.value;
    const link = values.style_link?.link?.value?.trim();
    const options = optionsOf(values);
    const errors = fieldErrorsOf(state, chosen, link, options);
    if (Object.keys(errors).length > 0) return void (await ack({ response_action: 'errors', errors }));
    await ack();
    await guarded(
      state,
      metadata.channel,
      body.user.id,
      async () => {
        const context = { ...(await contextOf(state, body.user.id, body.user.name, metadata.channel, metadata.threadTs)), photoOwner: metadata.photoOwner };
        const raw: Record<string, unknown> = { ...options, ...(link ? {} : chosen === SAVED_STYLE ? { style_name: SAVED_STYLE_NAME } : chosen && chosen !== OTHER_MESSAGE ? { style_name: chosen } : {}) };
        const picture = values.picture?.picture?.selected_option?.value;
        await stylize(state, context, raw, { options: link ? ['content', 'style'] : ['content'], fetch: () => fetchModalImages(state, metadata, picture, link) });
      },
      metadata.threadTs,
    );
  });
}

function optionsOf(values: ModalValues): Record<string, string> {
  const options: Record<string, string> = {};
  for (const field of MODAL_NUMBER_FIELDS) {
    const value = values[field]?.[field]?.value?.trim();
    if (value) options[field] = value;
  }
  if (values.preserve_colors?.preserve_colors?.selected_options?.length) options.preserve_colors = 'true';
  for (const field of ['target', 'background_style'] as const) {
    const chosen = values[field]?.[field]?.selected_option?.value;
    if (chosen) options[field] = chosen;
  }
  return options;
}

function fieldErrorsOf(state: SlackState, chosen: string | undefined, link: string | undefined, options: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  if (chosen === OTHER_MESSAGE && !link) errors.style_link = 'Paste the link of the message that has the style image (its menu → Copy link).';
  if (link && !parseMessageLink(link)) errors.style_link = 'That is not a Slack message link (…/archives/C…/p…).';
  try {
    checkOptions(state.bot.definition('stylize')!, options);
  } catch (error) {
    if (error instanceof BotError && error.field) errors[error.field] = error.message;
    else throw error;
  }
  return errors;
}

/**
 * The photo (the picture chosen, of a message with several), and the style image when a message's
 * link was given (it wins over the menu).
 */
async function fetchModalImages(state: SlackState, metadata: ModalMetadata, picture: string | undefined, link: string | undefined): Promise<Record<string, UploadedImage>> {
  const images: Record<string, UploadedImage> = { content: await fetchFile(state, await photoOf(state, metadata, picture), 'content image', 'content') };
  const target = link ? parseMessageLink(link) : undefined;
  if (target) {
    const linked = await threadStarterOf(state, target.channel, target.ts);
    const styleImage = await imageOf(state, linked);
    if (!styleImage) throw new BotError('missing_image', noPictureText('The message you linked has no image.', linkedPictureHostOf(linked)), 'style');
    images.style = await fetchFile(state, styleImage, 'style image', 'style');
  }
  return images;
}

/**
 * The form's photo: the message's first picture, kept in the form, or another of its pictures chosen
 * in it, which files.info gives (only one the form offered: the form's own list, by ID).
 */
async function photoOf(state: SlackState, metadata: ModalMetadata, picture: string | undefined): Promise<SlackFile> {
  const first = { id: metadata.file.id, name: metadata.file.name, url_private_download: metadata.file.url };
  if (!picture || picture === metadata.file.id || !metadata.pictures?.includes(picture)) return first;
  return chosenFileOf(state, picture, 'Choose Stylize with… on the message again.', 'content');
}
