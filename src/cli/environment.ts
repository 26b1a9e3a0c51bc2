import { clipEnvironmentSchema, engineEnvironmentSchema } from '../bot/config.ts';

/** The settings `impasto stylize` and `impasto fast` read: the engine's, and the clip limits the bot uses too. */
export const PAINTING_ENVIRONMENT = engineEnvironmentSchema.merge(clipEnvironmentSchema);
