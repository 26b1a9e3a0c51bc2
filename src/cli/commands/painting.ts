import { clipEnvironmentSchema, dataEnvironmentSchema, engineEnvironmentSchema, libraryEnvironmentSchema } from '../../bot/config.ts';

// What `impasto stylize` and `impasto fast` share.

/** What `<content>` takes besides a picture, and where a painted clip may go. */
export const CLIP_FORMATS = 'an animated GIF, WebP or AVIF, or an MP4, WebM or MOV video: painted frame by frame';
export const CLIP_OUTPUT_HELP = '.jpg, .webp or .avif write those; a clip goes to a .gif or .mp4 (default stylized.gif)';

/** Where a painting named rather than given as a file is found: the library (`readPainting`). */
export const LIBRARY_LOOKUP_ENVIRONMENT = dataEnvironmentSchema.merge(libraryEnvironmentSchema);

/** The settings they read: the engine's, the clip limits the bot uses too, and where the library is. */
export const PAINTING_ENVIRONMENT = engineEnvironmentSchema.merge(clipEnvironmentSchema).merge(LIBRARY_LOOKUP_ENVIRONMENT);
