import type { Check, Command, CommandDefinition, Handler } from './types.ts';

/**
 * Ties a definition to its handler (and its early check, if it has one); `const` keeps the literal
 * types the handler's arguments derive from.
 */
export function defineCommand<const D extends CommandDefinition>(definition: D, handle: Handler<D>, check?: Check<D>): Command<D> {
  return { definition, handle, check };
}
