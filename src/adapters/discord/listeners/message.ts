import { PermissionFlagsBits, type Attachment, type Message } from 'discord.js';
import { pictureToFetch } from '../../../bot/commands/images.ts';
import { stylizeArgsOfText } from '../../../bot/commands/text.ts';
import { replyOrRefusal } from '../../../bot/errors.ts';
import { noPictureText, whichStyleHint, withPicturesLeft, type WhereAsked } from '../../../bot/format.ts';
import { showReply } from '../answer.ts';
import { CANNOT_ATTACH_FILES, fetchAttachment, linkedPictureHostOf, pictureAttachmentsOf } from '../attachments.ts';
import { contextOfMessage } from '../interaction-context.ts';
import type { DiscordState } from '../state.ts';

/** No reply pings the member: they asked, and they are reading. */
const QUIET = { allowedMentions: { repliedUser: false, parse: [] } } as const;

/** How to send a picture, in the words of where the member asked: in a server (a mention), or in a direct message. */
const HOW_TO_SEND_A_PICTURE: Readonly<Record<WhereAsked, string>> = {
  mention: 'Reply to a picture with @impasto and a style (@impasto starry-night; see /styles), or attach one to the mention.',
  direct: 'Send me a picture with a style name (starry-night; see /styles), or forward one to me, or reply to a picture here with a style name. /help says all I can do.',
};

/**
 * "@impasto starry-night" in a reply to a picture (or with one attached) paints it (each of them,
 * when the message has several), as a mention in
 * a thread does on Slack, with options typed after it as on Slack ("@impasto starry-night
 * strength=8 size=768"); "@impasto" alone paints with the member's saved style. In a direct
 * message every message is for the bot, so no mention is needed: a picture sent, forwarded or
 * replied to with "starry-night" is painted. The bot answers in a reply of its own, which the job
 * then edits as it goes. A reply to the bot's own message in a server, which Discord marks as a
 * mention of it, is not one unless it names the bot.
 */
export async function onMessage(state: DiscordState, message: Message): Promise<void> {
  const me = state.client.user;
  if (!me || message.author.bot) return;
  const direct = !message.inGuild();
  const where: WhereAsked = direct ? 'direct' : 'mention';
  // Discord counts a reply to the bot's message as a mention of it; a mention written out still counts there.
  const mentioned = message.mentions.has(me, { ignoreEveryone: true, ignoreRoles: true, ignoreRepliedUser: true }) || message.content.includes(`<@${me.id}>`) || message.content.includes(`<@!${me.id}>`);
  if (!direct && !mentioned) return;
  const args = stylizeArgsOfText(message.content.replace(/<@!?\d+>/g, ''));
  // The message replied to is fetched only when the message brings no picture of its own.
  const own = pictureAttachmentsOf(message);
  const replied = own.length === 0 && message.reference?.messageId ? await message.fetchReference().catch(() => undefined) : undefined;
  const source = own.length > 0 ? message : replied;
  const pictures = own.length > 0 ? own : replied ? pictureAttachmentsOf(replied) : [];
  if (!source || pictures.length === 0) {
    return void (await message.reply({ content: noPictureText(HOW_TO_SEND_A_PICTURE[where], replied && linkedPictureHostOf(replied)), ...QUIET }));
  }
  if (!args.style_name && !state.bot.savedStyles.find({ platform: 'discord', userId: message.author.id })) {
    return void (await message.reply({ content: whichStyleHint('/styles', where), ...QUIET }));
  }
  // As a command checks its interaction's permissions: known once the bot's member is (Discord sends it with the server).
  if (message.inGuild() && message.channel.permissionsFor(me)?.has(PermissionFlagsBits.AttachFiles) === false) {
    return void (await message.reply({ content: CANNOT_ATTACH_FILES, ...QUIET }));
  }
  // Every picture the message brings is painted, each in a reply of its own. A picture that cannot be
  // painted (damaged, too narrow) is said in its reply and the next goes on; a refusal of the request
  // itself (an unknown style, a limit reached) would hold for the rest too, and ends it.
  for (const [index, picture] of pictures.entries()) {
    const requestRefused = await paintPicture(state, message, source, args, picture, pictures.length - index - 1);
    if (requestRefused) return;
  }
}

/**
 * One picture of the message painted, in a reply the job then edits; true when the request itself
 * was refused (said in the reply, with how many pictures after it are left unpainted).
 */
async function paintPicture(state: DiscordState, message: Message, source: Message, args: Record<string, unknown>, picture: Attachment, left: number): Promise<boolean> {
  // What the request alone shows to be refused (size=huge, an unknown style, a limit reached) is refused before the picture is fetched.
  const refusal = state.bot.precheck('stylize', { ...args, content: pictureToFetch(picture.name) }, contextOfMessage(message, ''));
  if (refusal) {
    await message.reply({ content: withPicturesLeft(refusal.text, left), ...QUIET });
    return true;
  }
  const answer = await message.reply({ content: 'Fetching the picture…', ...QUIET });
  const context = { ...contextOfMessage(message, answer.id), photoOwner: source.author?.id ?? message.author.id };
  const reply = await replyOrRefusal(async () => state.bot.execute('stylize', { ...args, content: await fetchAttachment(state.env, picture, 'content image', 'content') }, context));
  await showReply(state, reply, (components) => answer.edit({ content: reply.text, components }));
  return false;
}
