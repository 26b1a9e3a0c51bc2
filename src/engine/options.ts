import type { z } from 'zod';
import type { BackendName } from './backend.ts';
import { InputError } from './errors.ts';
import { schemaOf, type InputOf, type OptionSpecs, type ParsedOf } from './option-spec.ts';

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
