import { z } from 'zod';
import type { BackendName } from './backend.ts';
import { InputError } from './errors.ts';

export const OPTIMIZERS = ['lbfgs', 'adam'] as const;
export const INITS = ['content', 'style', 'noise'] as const;
export const POOLINGS = ['max', 'avg'] as const;

export const SIZE_RANGE = { min: 64, max: 2048 } as const;
export const ITERATIONS_RANGE = { min: 1, max: 5000 } as const;
export const FRAMES_RANGE = { min: 2, max: 120 } as const;
export const STYLE_SCALE_RANGE = { min: 0.1, max: 4 } as const;
export const STRENGTH_RANGE = { min: 1, max: 10 } as const;

/**
 * The default strength, chosen with `npm run bench:quality` (README, "Quality"): the painting's
 * palette and strokes are plainly there and the subject is recognisable at a glance.
 */
export const DEFAULT_STRENGTH = 5;

/** The classic raw weights, used for any that is missing when the caller sets one of them. */
export const RAW_WEIGHT_DEFAULTS = { content: 1e5, style: 3e4, tv: 1 } as const;

const weight = (name: string) =>
  z
    .number({ invalid_type_error: `${name} must be a number` })
    .finite(`${name} must be a finite number`)
    .nonnegative(`${name} must be zero or more`);

const layerList = z.array(z.string().regex(/^conv[1-5]_[1-4]$/, 'layer names look like conv3_2')).min(1).max(16);

/**
 * Everything a caller may set on a stylization. Unset values get defaults that depend on the
 * backend (smaller images and fewer iterations on a CPU) in `resolveOptions`.
 */
export const stylizeOptionsSchema = z
  .object({
    size: z.number().int().min(SIZE_RANGE.min).max(SIZE_RANGE.max).optional(),
    iterations: z.number().int().min(ITERATIONS_RANGE.min).max(ITERATIONS_RANGE.max).optional(),
    /** How much the picture looks like the painting, 1 (a hint) to 10 (the painting's texture everywhere). */
    strength: z.number().finite().min(STRENGTH_RANGE.min).max(STRENGTH_RANGE.max).optional(),
    /** Raw loss weights (advanced): setting any of them overrides `strength`. */
    contentWeight: weight('contentWeight').optional(),
    styleWeight: weight('styleWeight').optional(),
    tvWeight: weight('tvWeight').optional(),
    optimizer: z.enum(OPTIMIZERS).default('lbfgs'),
    /** Adam's step size, in 0–255 pixel units. */
    learningRate: z.number().finite().positive().max(255).default(10),
    /** L-BFGS history size. */
    historySize: z.number().int().min(1).max(100).default(20),
    init: z.enum(INITS).default('content'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    pooling: z.enum(POOLINGS).default('max'),
    contentLayers: layerList.optional(),
    styleLayers: layerList.optional(),
    /** How many frames the optimisation GIF may have. */
    frames: z.number().int().min(FRAMES_RANGE.min).max(FRAMES_RANGE.max).default(30),
    /** Coarse-to-fine: optimise small first, then upsample and refine (larger brush strokes). */
    multiScale: z.boolean().default(true),
    /** Keep the photo's colours: only the luminance is stylized. */
    preserveColors: z.boolean().default(false),
    /** The style image's size relative to the output: below 1 gives finer strokes, above 1 bolder. */
    styleScale: z.number().finite().min(STYLE_SCALE_RANGE.min).max(STYLE_SCALE_RANGE.max).default(1),
  })
  .strict();

export type StylizeOptionsInput = z.input<typeof stylizeOptionsSchema>;
type Parsed = z.output<typeof stylizeOptionsSchema>;
export type StylizeOptions = Required<Omit<Parsed, 'contentLayers' | 'styleLayers' | 'strength'>> &
  Pick<Parsed, 'contentLayers' | 'styleLayers' | 'strength'> & {
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
 * Per-backend defaults: a GPU affords a larger image and more iterations in the same wait. On a CPU,
 * 512 px takes about 25 s with onnxruntime on 2 vCPUs (README, "Quality"); 1024 is not yet inside a
 * minute there.
 */
export function defaultsFor(backend: BackendName): { size: number; iterations: number } {
  return backend === 'tensorflow-gpu' ? { size: 1024, iterations: 300 } : { size: 512, iterations: 60 };
}

/** Whether any raw weight was set: then the raw weights are used and `strength` is ignored. */
export function hasRawWeights(options: Pick<StylizeOptionsInput, 'contentWeight' | 'styleWeight' | 'tvWeight'>): boolean {
  return options.contentWeight !== undefined || options.styleWeight !== undefined || options.tvWeight !== undefined;
}

/** Validates options and fills in defaults; throws an `InputError` naming the first bad option. */
export function resolveOptions(input: unknown, backend: BackendName): StylizeOptions {
  const parsed = stylizeOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'options';
    throw new InputError('invalid_option', describeIssue(field, issue), field);
  }
  const defaults = defaultsFor(backend);
  const { contentWeight, styleWeight, tvWeight, strength } = parsed.data;
  const raw = hasRawWeights(parsed.data);
  const weights = raw
    ? { content: contentWeight ?? RAW_WEIGHT_DEFAULTS.content, style: styleWeight ?? RAW_WEIGHT_DEFAULTS.style, tv: tvWeight ?? RAW_WEIGHT_DEFAULTS.tv }
    : weightsForStrength(strength ?? DEFAULT_STRENGTH);
  return {
    ...parsed.data,
    size: parsed.data.size ?? defaults.size,
    iterations: parsed.data.iterations ?? defaults.iterations,
    strength: raw ? undefined : (strength ?? DEFAULT_STRENGTH),
    contentWeight: weights.content,
    styleWeight: weights.style,
    tvWeight: weights.tv,
    normalised: !raw,
  };
}

function describeIssue(field: string, issue: z.ZodIssue): string {
  // Messages written in the schema (they start with the field's name) say it best.
  if (issue.message.startsWith(field)) return `${issue.message}.`;
  switch (issue.code) {
    case 'too_small':
      return `${field} must be at least ${String(issue.minimum)}${issue.type === 'number' && !issue.inclusive ? ' (exclusive)' : ''}.`;
    case 'too_big':
      return `${field} must be at most ${String(issue.maximum)}.`;
    case 'invalid_enum_value':
      return `${field} must be one of ${issue.options.join(', ')}.`;
    case 'unrecognized_keys':
      return `Unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`;
    case 'invalid_type':
      return issue.expected === 'integer' ? `${field} must be a whole number.` : `${field} must be a ${issue.expected} (got ${issue.received}).`;
    default:
      return `${field}: ${issue.message}.`;
  }
}
