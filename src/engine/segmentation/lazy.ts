import type { PersonSegmenter } from './person.ts';

/**
 * The model for a method's context: loaded from `dir` when first asked for (after `prepare`, e.g.
 * choosing a TensorFlow.js backend where no engine has), then kept; a failed load is tried again.
 * The model's code is loaded then too: it brings the whole of TensorFlow.js (its graph models), which
 * an engine process or `impasto stylize` that paints no target never needs.
 */
export function lazySegmenter(dir: string, prepare?: () => Promise<unknown>): () => Promise<PersonSegmenter> {
  let loading: Promise<PersonSegmenter> | undefined;
  return () => {
    if (!loading) {
      loading = (async () => {
        await prepare?.();
        const { loadPersonSegmenter } = await import('./person.ts');
        return loadPersonSegmenter(dir);
      })();
      loading.catch(() => (loading = undefined));
    }
    return loading;
  };
}
