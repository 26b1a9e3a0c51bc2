import type { DecodeLimits } from '../engine/image.ts';
import type { DataDirs } from './files.ts';
import type { JobStore } from './jobs.ts';
import type { Scheduler } from './scheduler.ts';
import type { StyleLibrary } from './styles.ts';
import type { EngineInfo } from './engine-host.ts';
import type { Contest, Contests } from './contests.ts';

/** Limits that shape the commands themselves (their ranges and defaults). */
export interface CommandLimits {
  readonly maxSize: number;
  readonly defaultSize: number;
  readonly maxIterations: number;
  readonly defaultIterations: number;
  readonly decode: DecodeLimits;
}

/** What command handlers may use. Adapters never see these; they call `Bot.execute`. */
export interface BotServices {
  readonly store: JobStore;
  readonly scheduler: Scheduler;
  readonly library: StyleLibrary;
  readonly dirs: DataDirs;
  readonly limits: CommandLimits;
  readonly engineInfo: () => EngineInfo | undefined;
  readonly contests: Contests;
  /** The ranking as text and as a picture of the top entries. */
  readonly leaderboard: (contest: Contest, top: number) => Promise<{ text: string; picture?: Buffer | undefined }>;
}
