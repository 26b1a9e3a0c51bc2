import type { Logger } from 'pino';

/** Where a stray error came from, told by the library it was thrown in (from its stack). */
const SOURCES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'discord', pattern: /node_modules[\\/](discord\.js|@discordjs|@vladfrangu)[\\/]/ },
  { name: 'slack', pattern: /node_modules[\\/](@slack)[\\/]/ },
];

function sourceOf(error: unknown): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  return SOURCES.find((source) => source.pattern.test(stack))?.name;
}

/**
 * One adapter's stray error must not take the others down. discord.js handles gateway packets in
 * its own async listeners: a malformed packet rejects there, outside any handler of ours, and Node
 * ends a process on an unhandled rejection. Such rejections are logged (naming the adapter) and the
 * process goes on; the platform clients reconnect by themselves. A synchronous exception from
 * anywhere else still ends the process (its state can no longer be trusted), after it is logged.
 */
export function guardProcess(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason, adapter: sourceOf(reason) }, 'unhandled rejection (logged; the bot keeps running)');
  });
  process.on('uncaughtException', (error) => {
    const adapter = sourceOf(error);
    logger.fatal({ err: error, adapter }, adapter ? `uncaught exception in the ${adapter} adapter (logged; the bot keeps running)` : 'uncaught exception; exiting');
    if (!adapter) process.exit(1);
  });
}
