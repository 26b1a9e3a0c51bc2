import cliProgress from 'cli-progress';
import type { ClipProgress } from '../engine/clip/stylize-clip.ts';
import type { MethodProgress } from '../engine/methods/method.ts';
import { describeScale } from '../bot/format.ts';

/** A progress bar on stderr that starts at its first update, when its total is known. */
interface Bar<P extends object> {
  show(value: number, total: number, payload: P): void;
  stop(): void;
}

function startingBar<P extends object>(options: cliProgress.Options): Bar<P> {
  const bar = new cliProgress.SingleBar({ stream: process.stderr, ...options }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    show(value, total, payload) {
      if (started) return bar.update(value, payload);
      bar.start(total, value, payload);
      started = true;
    },
    stop: () => bar.stop(),
  };
}

/** A terminal progress bar for a stylization: iteration, losses and ETA on one line. */
export function createStylizeProgressBar(): { update(progress: MethodProgress): void; stop(): void } {
  const bar = startingBar({ format: '{bar} {value}/{total}{scale} | loss {loss} (content {content}, style {style}, tv {tv}) | {elapsed} elapsed, ETA {remaining}', hideCursor: true });
  return {
    update(progress) {
      bar.show(progress.iteration, progress.totalIterations, {
        scale: describeScale(progress.size),
        loss: progress.terms?.total.toExponential(2) ?? '–',
        content: progress.terms?.content.toExponential(2) ?? '–',
        style: progress.terms?.style.toExponential(2) ?? '–',
        tv: progress.terms?.tv.toExponential(2) ?? '–',
        elapsed: formatDuration(progress.elapsedMs),
        remaining: formatDuration(progress.etaMs),
      });
    },
    stop: () => bar.stop(),
  };
}

/** A terminal progress bar for a clip: frames done, the iteration within the next one, and ETA. */
export function createClipProgressBar(): { update(progress: ClipProgress): void; stop(): void } {
  const bar = startingBar({ format: '{bar} frame {value}/{total}{within} | {elapsed} elapsed, ETA {remaining}', hideCursor: true });
  return {
    update(progress) {
      // A network paints a frame in one step: only an optimisation has iterations to show.
      const within = progress.frame < progress.totalFrames && progress.totalIterations > 1 ? ` (iteration ${progress.iteration}/${progress.totalIterations})` : '';
      bar.show(progress.frame, progress.totalFrames, { within, elapsed: formatDuration(progress.elapsedMs), remaining: formatDuration(progress.etaMs) });
    },
    stop: () => bar.stop(),
  };
}

/** A terminal progress bar for a download, named by what it fetches ("VGG-19 weights"). */
export function createDownloadProgressBar(label: string): { update(received: number, total: number): void; stop(): void } {
  const bar = startingBar({ format: `${label} {bar} {percentage}% | {receivedMb}/{totalMb} MB` });
  return {
    update: (received, total) => bar.show(received, total, { receivedMb: (received / 1e6).toFixed(1), totalMb: (total / 1e6).toFixed(1) }),
    stop: () => bar.stop(),
  };
}

/** A download's progress options for the engine's VGG-19 weights, drawn as a bar that ends with the download. */
export function withDownloadBar(): { onProgress(received: number, total: number): void } {
  const bar = createDownloadProgressBar('VGG-19 weights');
  return {
    onProgress: (received, total) => {
      bar.update(received, total);
      if (received >= total) bar.stop();
    },
  };
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}
