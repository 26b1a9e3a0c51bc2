import type { InputErrorCode } from '../../engine/errors.ts';
import type { BotErrorCode, FailureKind } from '../errors.ts';
import type { Platform, Requester, JobOrigin } from '../jobs/store.ts';
import type { MomentWriter } from '../format.ts';

/** An image the adapter has fetched (from an allowed host, within the byte limit). */
export interface UploadedImage {
  readonly bytes: Uint8Array;
  /** The file name as the user sent it, for messages. */
  readonly name: string;
}

interface OptionBase {
  readonly description: string;
  readonly required?: boolean;
  /** What leaving it empty means, for forms (e.g. "random" for a seed); the default's value otherwise. */
  readonly unset?: string;
}
export interface ImageOption extends OptionBase {
  readonly type: 'image';
  /** It also takes clips: animations and short videos (adapters let video files through). */
  readonly clips?: boolean;
}

/**
 * The pictures an image option takes (what the engine decodes), and the videos of one that takes
 * clips (ffmpeg decodes them). HEIC by its extensions too: systems that don't know the format give
 * its files no type.
 */
const PICTURE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', '.heic', '.heif', 'image/avif', 'image/gif'];
const VIDEO_TYPES = ['video/mp4', 'video/webm', 'video/quicktime'];

/** What a file picker for `option` offers, as an HTML `accept` list. */
export function acceptListOf(option: Pick<ImageOption, 'clips'>): string {
  return [...PICTURE_TYPES, ...(option.clips ? VIDEO_TYPES : [])].join(',');
}

export interface NumberOption extends OptionBase {
  readonly type: 'number' | 'integer';
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}
export interface ChoiceOption extends OptionBase {
  readonly type: 'choice';
  readonly choices: readonly string[];
  readonly default?: string;
}
export interface TextOption extends OptionBase {
  readonly type: 'text';
  readonly maxLength: number;
  /** Offer completions (Discord autocomplete) from the style library. */
  readonly autocomplete?: 'style';
}
export interface BooleanOption extends OptionBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}
export type OptionDefinition = ImageOption | NumberOption | ChoiceOption | TextOption | BooleanOption;

/** A command as data: adapters derive their registration, parsing and help from it. */
export interface CommandDefinition {
  /** One or two words: `stylize`, `style add`. Lowercase, as Discord requires. */
  readonly name: string;
  readonly description: string;
  /** Only moderators may run it. */
  readonly moderatorsOnly?: boolean;
  /**
   * Where it works, when not everywhere the bot is asked: `channels`, where a community's members
   * meet (a contest is entered and voted on there), so not in a direct message with the bot;
   * `community`, where it changes what a community shares (its library, its settings), so not in a
   * direct message that belongs to no community (a Discord one; a Slack one is its workspace's).
   */
  readonly where?: 'channels' | 'community';
  readonly options: Readonly<Record<string, OptionDefinition>>;
  /**
   * At most one of these options may be given (e.g. a style image or a style name), with what to say
   * when both are; and, with `missing`, exactly one. Without `missing`, giving none is for the
   * command's `check` to judge (stylize: the member's saved style stands in). Checked with the other
   * options, before any file is fetched.
   */
  readonly oneOf?: { readonly options: readonly string[]; readonly missing?: string; readonly both: string };
}

type ValueOf<O extends OptionDefinition> = O extends ImageOption
  ? UploadedImage
  : O extends NumberOption
    ? number
    : O extends ChoiceOption
      ? O['choices'][number]
      : O extends BooleanOption
        ? boolean
        : string;

type IsPresent<O> = O extends { required: true } ? true : O extends { default: unknown } ? true : false;

/** The handler's argument type, derived from the definition: required or defaulted options are present. */
export type ArgsOf<D extends CommandDefinition> = {
  -readonly [K in keyof D['options'] as IsPresent<D['options'][K]> extends true ? K : never]: ValueOf<D['options'][K]>;
} & {
  -readonly [K in keyof D['options'] as IsPresent<D['options'][K]> extends true ? never : K]?: ValueOf<D['options'][K]>;
};

/** What a handler returns; each adapter renders it in its platform's terms. */
export interface Reply {
  readonly text: string;
  /** `description`: what a picture shows, in words (alt text, for screen readers). */
  readonly files?: readonly { readonly name: string; readonly bytes: Uint8Array; readonly description?: string }[];
  /** Only the requester should see it (errors, queue positions). */
  readonly ephemeral?: boolean;
  /** The job this reply is about; adapters follow its events. */
  readonly jobId?: string;
  /**
   * The reply is one page of several (the gallery): an adapter that can offers the pages beside it
   * as buttons that show them in its place, running `command` with `options` and the page.
   */
  readonly pages?: ReplyPages;
  /** Set when the request was refused (bad input, a limit, no permission), naming the option at fault and why. */
  readonly refusal?: { readonly field?: string | undefined; readonly code?: BotErrorCode | InputErrorCode | undefined };
  /** Set when the request failed on the bot's side (logged): its disk full, or anything else. */
  readonly failure?: FailureKind;
}

export interface ReplyPages {
  readonly command: string;
  readonly options: Readonly<Record<string, string>>;
  readonly current: number;
  readonly count: number;
}

export interface CommandContext {
  readonly requester: Requester;
  readonly origin: JobOrigin;
  /** Who posted the photo, when the adapter took it from a message in the chat (see `Job.photoOwner`). */
  readonly photoOwner?: string | undefined;
  /**
   * Asked in a direct message with the bot; `ofCommunity` when that conversation belongs to the
   * requester's community (Slack's, to its workspace) rather than to them alone (Discord's).
   */
  readonly direct?: { readonly ofCommunity: boolean } | undefined;
  /**
   * How a public reply writes a moment where the platform shows it on each reader's own clock
   * (Discord's timestamps); unset, `formatWhen`, in UTC (Slack escapes a reply's text whole, and the
   * playground has no such markup).
   */
  readonly writeMoment?: MomentWriter | undefined;
}

export type Handler<D extends CommandDefinition> = (context: CommandContext, args: ArgsOf<D>) => Promise<Reply>;

/**
 * What a command refuses beyond its definition before any file is fetched, from the requester and
 * the options alone (throws a `BotError`). Its images may be stand-ins without their bytes.
 */
export type Check<D extends CommandDefinition> = (context: CommandContext, args: ArgsOf<D>) => void;

export interface Command<D extends CommandDefinition = CommandDefinition> {
  readonly definition: D;
  readonly handle: Handler<D>;
  readonly check?: Check<D> | undefined;
}

/** Any command, for lists: its handler is called only with arguments parsed from its own definition. */
export interface AnyCommand {
  readonly definition: CommandDefinition;
  readonly handle: (context: CommandContext, args: never) => Promise<Reply>;
  readonly check?: ((context: CommandContext, args: never) => void) | undefined;
}

export type { Platform };
