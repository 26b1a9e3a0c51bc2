import type { Client } from 'discord.js';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import type { JobDeliveries } from '../deliveries.ts';

/** An image someone pointed the bot at, remembered by reference (the bytes are fetched when used). */
export interface ImageRef {
  readonly url: string;
  readonly name: string;
  /** Its size in bytes, as Discord gave it: one over the upload limit is refused before any fetch. */
  readonly size: number;
}

/** What the Discord listeners share: the bot, the client, the clock and the adapter's own short-lived memory. */
export interface DiscordState {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  readonly client: Client;
  readonly now: () => number;
  /** How long an interaction token lives (15 minutes; tests shorten it). */
  readonly lifetimeMs: number;
  readonly deliveries: JobDeliveries;
  /** "Stylize with…" menus waiting for a style choice, by the key in the menu's custom id. */
  readonly pendingPicks: Map<string, PendingPick>;
}

/** A "Stylize with…" prompt waiting for its style: the message's pictures, and which to paint. */
export interface PendingPick {
  /** One, or up to ten (a message's most): then the member may pick another than the first. */
  readonly pictures: readonly ImageRef[];
  readonly chosen: number;
  /** Who posted the message (they may take the result down). */
  readonly postedBy: string;
  readonly expires: number;
}

/** Custom ids of our components: `impasto:<action>:<id>`. */
export const CUSTOM_ID = /^impasto:([a-z]+):(.+)$/;
