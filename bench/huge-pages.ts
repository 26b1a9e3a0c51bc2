/**
 * Imported first by each bench that paints in its own process, so that it measures what the bot's
 * engine processes do: with glibc's malloc asking for huge pages (src/engine/huge-pages.ts). The
 * bench starts again with them, and this process only waits for it.
 */
import { runAgainWithHugePages } from '../src/engine/huge-pages.ts';

if (runAgainWithHugePages()) await new Promise<never>(() => {});
