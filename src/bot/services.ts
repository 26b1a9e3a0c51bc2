import type { DecodeLimits } from '../engine/image.ts';
import type { DataDirs } from './files.ts';
import type { JobStore } from './jobs.ts';
import type { Scheduler } from './scheduler.ts';
import type { StyleLibrary } from './styles.ts';
import type { EngineInfo } from './engine-host.ts';

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
}
