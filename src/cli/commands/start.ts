import type { Command } from 'commander';

/** `impasto start`: the bot, with the playground and the chat platforms configured. */
export function define(command: Command): void {
  command.action(async () => {
    // Loaded when it runs: the chat libraries and the engine host take seconds to import, which the help need not wait for.
    const [{ startApp }, { guardProcess }, { stopOnSignal }] = await Promise.all([import('../../app.ts'), import('../../process-guard.ts'), import('../signals.ts')]);
    const app = await startApp();
    guardProcess(app.logger);
    stopOnSignal(app.logger, 'shutting down; running jobs resume at the next start', () => app.stop());
  });
}
