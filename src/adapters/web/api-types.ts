/**
 * The JSON the web API speaks, shared by the server and the page (one definition, two sides).
 * File paths never leave the server: results are URLs.
 */
import type { CommandDefinition } from '../../bot/commands/types.ts';
import type { JobAction, ResultFile } from '../../bot/job-messages.ts';
import type { JobStatus, LossPoint } from '../../bot/jobs/store.ts';
import type { MethodName } from '../../engine/methods/index.ts';

/** What the job says now, in the same words as in chat (`bot/job-messages.ts`), and its buttons. */
export interface PublicJobMessage {
  readonly text: string;
  readonly details?: string | undefined;
  readonly actions: readonly JobAction[];
  /** A finished job's files, each with what it shows (the pictures' `alt`). */
  readonly files: readonly Pick<ResultFile, 'kind' | 'description'>[];
}

export interface PublicJob {
  readonly id: string;
  readonly status: JobStatus;
  readonly styleLabel: string;
  /** What paints it: `fast` has no loss to chart, and its GIF is a before/after wipe. */
  readonly method: MethodName;
  readonly message: PublicJobMessage;
  readonly options: Readonly<Record<string, unknown>>;
  readonly position?: number | undefined;
  readonly etaMs?: number | undefined;
  /** `fraction`: how far it is, 0–1, as the chat's progress bar says (`progressFraction`). */
  readonly progress?: { readonly iteration: number; readonly totalIterations: number; readonly etaMs: number; readonly elapsedMs: number; readonly fraction: number } | undefined;
  readonly result?:
    | {
        readonly width: number;
        readonly height: number;
        readonly iterations: number;
        readonly elapsedMs: number;
        readonly backend: string;
        readonly png: string;
        readonly gif: string;
        readonly lossHistory: readonly LossPoint[];
      }
    | undefined;
  readonly error?: string | undefined;
  /** The job was interrupted by a restart of the bot and started again from the beginning. */
  readonly restarted: boolean;
  readonly createdAt: number;
  readonly finishedAt?: number | undefined;
  readonly contentUrl: string;
}

export interface PublicStyle {
  readonly name: string;
  readonly title: string;
  readonly imageUrl: string;
  /** The name as menus show it ("the-scream · fast"). */
  readonly label: string;
  /** A feed-forward network was trained on it: it paints in seconds. */
  readonly fast: boolean;
}

export interface AppInfo {
  readonly commands: readonly CommandDefinition[];
  readonly libraryEdits: boolean;
  /** Styles can be trained into fast ones here (IMPASTO_TRAINING_PHOTOS_DIR is set, and the library may be edited). */
  readonly training: boolean;
  readonly maxUploadBytes: number;
  /** Days a finished job's pictures are kept (IMPASTO_RETENTION_DAYS), for the page's privacy line. */
  readonly retentionDays: number;
  /** What paints, once the engine has started. */
  readonly backend?: string | undefined;
  /** Why nothing paints now ("its VGG-19 weights are missing", "no impasto worker is taking jobs"). */
  readonly engineProblem?: string | undefined;
}

export type JobStreamEvent =
  | { readonly type: 'snapshot'; readonly job: PublicJob }
  | {
      readonly type: 'update';
      readonly message: PublicJobMessage;
      /** While painting: how far it is, the loss terms since the last update (for the chart), the image so far. */
      readonly progress?:
        | {
            readonly iteration: number;
            readonly totalIterations: number;
            /** How far it is, 0–1 (`progressFraction`). */
            readonly fraction: number;
            readonly terms: readonly LossPoint[];
            readonly preview?: string | undefined;
          }
        | undefined;
    }
  | { readonly type: 'finished'; readonly job: PublicJob };

export interface ApiError {
  readonly error: string;
  readonly field?: string | undefined;
}
