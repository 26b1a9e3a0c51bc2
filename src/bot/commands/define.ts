import type { Command, CommandDefinition, Handler } from './types.ts';

/** Ties a definition to its handler; `const` keeps the literal types the handler's arguments derive from. */
export function defineCommand<const D extends CommandDefinition>(definition: D, handle: Handler<D>): Command<D> {
  return { definition, handle };
}
