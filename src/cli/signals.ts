import type { Logger } from 'pino';

/** How long a graceful stop may take before the process ends anyway (e.g. Redis gone, so BullMQ cannot close). */
const STOP_GRACE_MS = 30_000;

/** Ctrl-C or a service manager's SIGTERM: stop cleanly, then exit 0. */
export function stopOnSignal(logger: Logger, message: string, stop: () => Promise<void>): void {
  const shutDown = (signal: string) => {
    logger.info({ signal }, message);
    // A second signal ends it at once; a stop that hangs, after the grace period.
    for (const again of ['SIGINT', 'SIGTERM'] as const) process.once(again, () => process.exit(1));
    setTimeout(() => {
      logger.warn({ graceMs: STOP_GRACE_MS }, 'could not stop cleanly in time; exiting anyway');
      process.exit(1);
    }, STOP_GRACE_MS).unref();
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutDown('SIGINT'));
  process.once('SIGTERM', () => shutDown('SIGTERM'));
}
