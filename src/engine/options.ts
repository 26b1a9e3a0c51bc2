import { isGpuBackend, type BackendName } from './backend.ts';
import { parseOptions, schemaOf, type InputOf, type OptionSpecs, type ParsedOf } from './option-spec.ts';

export const OPTIMIZERS = ['lbfgs', 'adam'] as const;
export const INITS = ['content', 'style', 'noise'] as const;
export const POOLINGS = ['max', 'avg'] as const;

/**
 * The default strength, chosen with `npm run bench:quality` (README, "Quality"): the painting's
 * palette and strokes are plainly there and the subject is recognisable at a glance.
 */
export const DEFAULT_STRENGTH = 5;

/** The classic raw weights, used for any that is missing when the caller sets one of them. */
export const RAW_WEIGHT_DEFAULTS = { content: 1e5, style: 3e4, tv: 1 } as const;

/**
 * Everything a caller may set on a stylization, written once: the engine validates with it, the chat
 * command and the CLI flags are derived from it. Size and iterations have no fixed default: it depends
 * on the backend (`resolveOptions`).
 */
export const STYLIZE_OPTIONS = {
  size: { type: 'integer', min: 64, max: 2048, help: 'long side of the result in pixels', unset: 'auto' },
  iterations: { type: 'integer', min: 1, max: 5000, help: 'optimisation steps (more is slower and more stylized)', unset: 'auto' },
  strength: { type: 'number', min: 1, max: 10, default: DEFAULT_STRENGTH, help: 'how much it looks like the painting: 1 a hint, 10 the painting everywhere' },
  contentWeight: { type: 'number', min: 0, max: 1e12, help: `advanced: raw content loss weight (overrides strength; ${RAW_WEIGHT_DEFAULTS.content} if another is set)`, unset: 'from strength' },
  styleWeight: { type: 'number', min: 0, max: 1e12, help: `advanced: raw style loss weight (overrides strength; ${RAW_WEIGHT_DEFAULTS.style} if another is set)`, unset: 'from strength' },
  tvWeight: { type: 'number', min: 0, max: 1e9, help: `advanced: raw smoothness weight (overrides strength; ${RAW_WEIGHT_DEFAULTS.tv} if another is set)`, unset: 'from strength' },
  optimizer: { type: 'choice', choices: OPTIMIZERS, default: 'lbfgs', help: 'L-BFGS (sharper) or Adam' },
  learningRate: { type: 'number', min: 0.001, max: 255, default: 10, help: "Adam's step size, in 0–255 pixel units" },
  historySize: { type: 'integer', min: 1, max: 100, default: 20, help: 'L-BFGS history size' },
  init: { type: 'choice', choices: INITS, default: 'content', help: 'start from the photo, the style, or noise' },
  seed: { type: 'integer', min: 0, max: 2 ** 31 - 1, default: 0, help: 'random seed (same seed, same result)' },
  pooling: { type: 'choice', choices: POOLINGS, default: 'max', help: 'VGG pooling' },
  contentLayers: { type: 'layers', help: 'VGG layers for the content, e.g. conv4_2' },
  styleLayers: { type: 'layers', help: 'VGG layers for the style, e.g. conv1_1,conv2_1,conv3_1' },
  frames: { type: 'integer', min: 2, max: 120, default: 30, help: 'how many frames the optimisation GIF may have' },
  multiScale: { type: 'boolean', default: true, help: 'paint coarse to fine (bigger structures of the style)' },
  preserveColors: { type: 'boolean', default: false, help: "keep the photo's colours (stylize the light and dark only)" },
  styleScale: { type: 'number', min: 0.1, max: 4, default: 1, help: 'style size vs the result: below 1 finer strokes, above 1 bolder' },
} as const satisfies OptionSpecs;

export const SIZE_RANGE = STYLIZE_OPTIONS.size;
export const STRENGTH_RANGE = STYLIZE_OPTIONS.strength;

export const stylizeOptionsSchema = schemaOf(STYLIZE_OPTIONS);

export type StylizeOptionsInput = InputOf<typeof STYLIZE_OPTIONS>;
type Parsed = ParsedOf<typeof STYLIZE_OPTIONS>;
export type StylizeOptions = Required<Omit<Parsed, 'contentLayers' | 'styleLayers' | 'strength'>> &
  Pick<Parsed, 'contentLayers' | 'styleLayers'> & {
    readonly strength: number | undefined;
    /** True when the weights come from `strength` (normalised terms); false for raw weights. */
    readonly normalised: boolean;
  };

/**
 * Strength → loss weights on the normalised objective (each term a relative error near 1). The
 * style weight grows ×√10 per two steps, a range wide enough for a hint of the painting at 1 and
 * its texture everywhere at 10; TV is per pixel, in grey levels, and only smooths the worst noise.
 */
export function weightsForStrength(strength: number): { content: number; style: number; tv: number } {
  return { content: 1, style: STYLE_AT_DEFAULT * 10 ** ((strength - DEFAULT_STRENGTH) / 4), tv: 2e-4 };
}
const STYLE_AT_DEFAULT = 4.2;

/**
 * Per-backend defaults: 1024 px everywhere (a picture people share). A GPU affords more iterations
 * in the same wait; on a CPU, 60 iterations at 1024 px take about 18 s with onnxruntime on
 * 2 vCPUs, most of them at coarse scales (README, "Benchmark" and "Quality").
 */
export function defaultsFor(backend: BackendName): { size: number; iterations: number } {
  return isGpuBackend(backend) ? { size: 1024, iterations: 300 } : { size: 1024, iterations: 60 };
}

/**
 * The long side of a result: the size asked for; otherwise the default, but never larger than the
 * photo (a small photo is not enlarged unless asked: a 512-px photo painted at 1024 px is its
 * pixels doubled, and a 1-px one a square of 1024), nor below the smallest size.
 */
export function resultSizeFor(photo: { readonly width: number; readonly height: number }, asked: number | undefined, defaultSize: number): number {
  return asked ?? Math.max(SIZE_RANGE.min, Math.min(defaultSize, Math.max(photo.width, photo.height)));
}

/** Whether any raw weight was set: then the raw weights are used and `strength` is ignored. */
export function hasRawWeights(options: Pick<StylizeOptionsInput, 'contentWeight' | 'styleWeight' | 'tvWeight'>): boolean {
  return options.contentWeight !== undefined || options.styleWeight !== undefined || options.tvWeight !== undefined;
}

/** Validates options and fills in defaults; throws an `InputError` naming the first bad option. */
export function resolveOptions(input: unknown, backend: BackendName): StylizeOptions {
  const options = parseOptions(stylizeOptionsSchema, input);
  const defaults = defaultsFor(backend);
  const { contentWeight, styleWeight, tvWeight, strength } = options;
  const raw = hasRawWeights(options);
  const weights = raw
    ? { content: contentWeight ?? RAW_WEIGHT_DEFAULTS.content, style: styleWeight ?? RAW_WEIGHT_DEFAULTS.style, tv: tvWeight ?? RAW_WEIGHT_DEFAULTS.tv }
    : weightsForStrength(strength ?? DEFAULT_STRENGTH);
  return {
    ...options,
    size: options.size ?? defaults.size,
    iterations: options.iterations ?? defaults.iterations,
    strength: raw ? undefined : (strength ?? DEFAULT_STRENGTH),
    contentWeight: weights.content,
    styleWeight: weights.style,
    tvWeight: weights.tv,
    normalised: !raw,
  };
}
