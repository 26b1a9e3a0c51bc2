import { readFile, rm } from 'node:fs/promises';
import { type DecodeLimits } from '../../engine/image.ts';
import type { UploadedImage } from '../commands/types.ts';
import { decodeStyleOption } from '../commands/images.ts';
import type { Db } from '../database.ts';
import { BotError } from '../errors.ts';
import { isMissingFile, storeImage } from '../files.ts';
import type { Requester } from '../jobs/store.ts';
import { makeFolderSync } from '../../make-folder.ts';

/** Whose saved style: one per person per platform, whichever community they saved it in. */
export type Member = Pick<Requester, 'platform' | 'userId'>;

export interface SavedStyle {
  /** The image's file name as it was posted, for menus. */
  readonly name: string;
  readonly path: string;
  readonly savedAt: number;
}

/**
 * The name a member's saved style goes by in `/stylize` (style_name): reserved in the library, so that
 * it always means the member's own.
 */
export const SAVED_STYLE_NAME = 'my-style';

/** How menus offer a saved style. */
export function savedStyleLabel(saved: Pick<SavedStyle, 'name'>): string {
  return `Your saved style (${saved.name})`;
}

/** What "Use as style" answers, on every platform. */
export function savedStyleText(saved: Pick<SavedStyle, 'name'>): string {
  return `Saved ${saved.name} as your style: /stylize paints with it when you name no style (or name it ${SAVED_STYLE_NAME}), and Stylize with… on any picture offers it first. It stays until you save another, or use forget-me.`;
}

/**
 * Each person's saved style ("Use as style" on a message, on Discord and Slack): an image they picked, to
 * paint other pictures with later. It is stored as soon as it is saved, checked and re-encoded as
 * a job's style would be, so that it outlives a restart and the platform's expiring file links.
 * Kept until it is replaced or its owner uses /forget-me (it is theirs, not a job's upload, so the
 * retention period does not apply).
 */
export class SavedStyles {
  /** How many times each member was forgotten in this process: a save that began before the last one keeps nothing. */
  private readonly forgets = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly limits: DecodeLimits,
  ) {
    makeFolderSync(dir);
  }

  /** Checks the image as a style (refusals name the `style` option) and keeps it in place of the member's last one. */
  async save(member: Member, upload: UploadedImage): Promise<SavedStyle> {
    const forgets = this.forgetsOf(member);
    const image = await decodeStyleOption(upload, this.limits);
    const saved: SavedStyle = { name: upload.name, path: await storeImage(this.dir, image, 'saved'), savedAt: Date.now() };
    if (this.forgetsOf(member) !== forgets) {
      await rm(saved.path, { force: true });
      throw new BotError('not_allowed', 'You used forget-me while this style was being saved, so it was not kept.', 'style');
    }
    // From here to the row, nothing awaits: a concurrent save or forget sees one or the other.
    const previous = this.find(member);
    this.db
      .prepare('INSERT INTO saved_styles (platform, user_id, name, path, saved_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, user_id) DO UPDATE SET name = excluded.name, path = excluded.path, saved_at = excluded.saved_at')
      .run(member.platform, member.userId, saved.name, saved.path, saved.savedAt);
    if (previous) await rm(previous.path, { force: true });
    return saved;
  }

  find(member: Member): SavedStyle | undefined {
    return this.db.prepare('SELECT name, path, saved_at AS savedAt FROM saved_styles WHERE platform = ? AND user_id = ?').get(member.platform, member.userId) as SavedStyle | undefined;
  }

  /**
   * The saved image, as if uploaded again as the `style` option. Refused when there is none (never
   * saved, deleted by forget-me since a menu offered it, or its file deleted by hand, which forgets it).
   */
  async imageOf(member: Member): Promise<UploadedImage> {
    const saved = this.require(member);
    try {
      return { bytes: await readFile(saved.path), name: saved.name };
    } catch (error) {
      if (!isMissingFile(error)) throw error;
      await this.delete(member, saved);
      throw noSavedStyle();
    }
  }

  /** The member's saved style, or the refusal that they have none. */
  require(member: Member): SavedStyle {
    const saved = this.find(member);
    if (!saved) throw noSavedStyle();
    return saved;
  }

  /** Deletes the member's saved style; returns whether there was one. */
  async forget(member: Member): Promise<boolean> {
    this.forgets.set(keyOf(member), this.forgetsOf(member) + 1);
    const saved = this.find(member);
    if (!saved) return false;
    await this.delete(member, saved);
    return true;
  }

  private async delete(member: Member, saved: SavedStyle): Promise<void> {
    this.db.prepare('DELETE FROM saved_styles WHERE platform = ? AND user_id = ?').run(member.platform, member.userId);
    await rm(saved.path, { force: true });
  }

  private forgetsOf(member: Member): number {
    return this.forgets.get(keyOf(member)) ?? 0;
  }
}

function keyOf(member: Member): string {
  return `${member.platform}:${member.userId}`;
}

function noSavedStyle(): BotError {
  return new BotError('missing_image', 'You have no saved style (any more): save one with "Use as style" on a message with a painting.', 'style');
}
