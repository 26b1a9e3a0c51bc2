import type { DataDirs } from './files.ts';
import type { JobStore } from './jobs/store.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { StyleLibrary } from './styles/library.ts';
import type { PaintEngine } from './jobs/dispatch.ts';
import type { Contests } from './contests/contests.ts';
import type { Contest } from './contests/types.ts';
import type { Leaderboard } from './contests/leaderboard.ts';
import type { MomentWriter } from './format.ts';
import type { CommandLimits } from './limits.ts';
import type { SettingsStore } from './settings.ts';
import type { StyleTraining } from './styles/training.ts';
import type { SavedStyles } from './styles/saved.ts';

/** What command handlers may use. Adapters never see these; they call `Bot.execute`. */
export interface BotServices {
  readonly store: JobStore;
  readonly queue: JobQueue;
  readonly library: StyleLibrary;
  /** Each person's saved style ("Use as style"). */
  readonly savedStyles: SavedStyles;
  readonly dirs: DataDirs;
  readonly limits: CommandLimits;
  /** Each community's settings (its moderators' choices within `limits`). */
  readonly settings: SettingsStore;
  readonly engineInfo: () => PaintEngine | undefined;
  readonly contests: Contests;
  /** The ranking as text and as a picture of the top entries (`renderLeaderboard`). */
  readonly leaderboard: (contest: Contest, top: number, viewerId?: string, writeWhen?: MomentWriter) => Promise<Leaderboard>;
  /** Whether the person-segmentation model is installed (target and background_style need it). */
  readonly canSegment: () => boolean;
  /** Training fast networks for library styles (`/style train`). */
  readonly training: StyleTraining;
  /** Days a finished job is kept before the retention sweep deletes it (IMPASTO_RETENTION_DAYS). */
  readonly retentionDays: number;
}
