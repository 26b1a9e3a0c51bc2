import type { Command } from 'commander';
import { startApp } from '../../app.ts';
import { guardProcess } from '../../process-guard.ts';
import { stopOnSignal } from '../signals.ts';

/** `impasto start`: the bot, with the playground and the chat platforms configured. */
export function define(command: Command): void {
  command.action(async () => {
    const app = await startApp();
    guardProcess(app.logger);
    stopOnSignal(app.logger, 'shutting down; running jobs resume at the next start', () => app.stop());
  });
}
