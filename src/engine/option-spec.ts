/**
 * Options as data: a name, a type, a range, a default and one line of help, written once. The engine
 * validates with the zod schema built from them (`schemaOf`); the chat command and the CLI derive
 * their options and flags from the same table (`bot/commands/engine-options.ts`, `cli/engine-flags.ts`).
 */
import { z } from 'zod';
import { nameMeantBy } from '../suggest.ts';
import { InputError } from './errors.ts';

interface SpecBase {
  /** One line for `--help`, the chat command's description and the web form. */
  readonly help: string;
  /** What leaving it empty means, for forms ("random" for a seed), when there is no fixed default. */
  readonly unset?: string;
}
export interface NumberSpec extends SpecBase {
  readonly type: 'integer' | 'number';
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}
export interface ChoiceSpec extends SpecBase {
  readonly type: 'choice';
  readonly choices: readonly [string, ...string[]];
  readonly default?: string;
}
export interface BooleanSpec extends SpecBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}
/** VGG layer names: `conv4_2`, or a list of them. */
export interface LayersSpec extends SpecBase {
  readonly type: 'layers';
}
/** A fast network: a pretrained one's name (`udnie`) or one trained here (`trained:starry-night`). */
export interface NetworkSpec extends SpecBase {
  readonly type: 'network';
  /** The pretrained networks' names. */
  readonly pretrained: readonly string[];
  /** The network the job makes (a training job's name for it), not one it paints with. */
  readonly made?: true;
}
export type OptionSpec = NumberSpec | ChoiceSpec | BooleanSpec | LayersSpec | NetworkSpec;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export type ValueOfSpec<S extends OptionSpec> = S extends NumberSpec ? number : S extends ChoiceSpec ? S['choices'][number] : S extends BooleanSpec ? boolean : S extends NetworkSpec ? string : string[];

/** What a caller may pass: every option optional. */
export type InputOf<T extends OptionSpecs> = { -readonly [K in keyof T]?: ValueOfSpec<T[K]> };

/** After validation: options with a default are always there. */
export type ParsedOf<T extends OptionSpecs> = { -readonly [K in keyof T as T[K] extends { default: unknown } ? K : never]: ValueOfSpec<T[K]> } & {
  -readonly [K in keyof T as T[K] extends { default: unknown } ? never : K]?: ValueOfSpec<T[K]>;
};

const LAYER_NAME = /^conv[1-5]_[1-4]$/;
/** A network trained here (`impasto train-style`, `/style train`), by its name. */
const TRAINED_NETWORK = /^trained:[a-z0-9][a-z0-9_-]{0,63}$/;
const TRAINED_PREFIX = 'trained:';

/** The option value naming the network trained here as `name` (`trained:<name>`). */
export function trainedNetworkOption(name: string): string {
  return `${TRAINED_PREFIX}${name}`;
}

/** Whether `value` names a network: one of the `pretrained` ones, or one trained here (`trained:<name>`). */
export function namesNetwork(value: string, pretrained: readonly string[]): boolean {
  return pretrained.includes(value) || TRAINED_NETWORK.test(value);
}

/** `trained:<name>` → `<name>`, its files' name; undefined for a pretrained network or anything else. */
export function trainedNetworkName(option: string): string | undefined {
  return TRAINED_NETWORK.test(option) ? option.slice(TRAINED_PREFIX.length) : undefined;
}

/** The zod schema of a table of options: unknown keys are refused, defaults filled in. */
export function schemaOf<T extends OptionSpecs>(specs: T): z.ZodType<ParsedOf<T>, z.ZodTypeDef, InputOf<T>> {
  const shape = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, fieldSchemaOf(name, spec)]));
  return z.object(shape).strict() as unknown as z.ZodType<ParsedOf<T>, z.ZodTypeDef, InputOf<T>>;
}

function fieldSchemaOf(name: string, spec: OptionSpec): z.ZodTypeAny {
  let schema: z.ZodTypeAny;
  switch (spec.type) {
    case 'integer':
    case 'number': {
      let number = z.number().finite(`${name} must be a finite number`).min(spec.min, spec.min === 0 ? `${name} must be zero or more` : undefined).max(spec.max);
      if (spec.type === 'integer') number = number.int();
      schema = number;
      break;
    }
    case 'choice':
      schema = z.enum(spec.choices);
      break;
    case 'boolean':
      schema = z.boolean();
      break;
    case 'layers':
      schema = z
        .array(z.string().regex(LAYER_NAME, 'layer names look like conv3_2'))
        .min(1, `${name} must name a layer`)
        .max(16, `${name} may name 16 layers at most`)
        // A layer named twice built the engine's graph with one name twice, which onnxruntime refused with a crash.
        .superRefine((layers, context) => {
          const repeated = layers.find((layer, index) => layers.indexOf(layer) !== index);
          if (repeated) context.addIssue({ code: z.ZodIssueCode.custom, message: `${name} names ${repeated} twice` });
        });
      break;
    case 'network':
      schema = z.string().superRefine((value, context) => {
        if (namesNetwork(value, spec.pretrained)) return;
        // `--network waves`: the network it most likely meant, then every one.
        const meant = nameMeantBy(value, spec.pretrained);
        context.addIssue({ code: z.ZodIssueCode.custom, message: `${name} must be one of ${spec.pretrained.join(', ')}, or trained:<name> for a network trained here${meant ? ` (did you mean ${meant}?)` : ''}` });
      });
      break;
  }
  return 'default' in spec && spec.default !== undefined ? schema.default(spec.default) : schema.optional();
}

/**
 * Validates options against a table's schema; throws an `InputError` naming the first bad option,
 * as `nameOf` writes it where the sender typed it otherwise (the command line's `--style-scale`).
 */
export function parseOptions<Parsed, Input>(schema: z.ZodType<Parsed, z.ZodTypeDef, Input>, input: unknown, nameOf: (option: string) => string = (option) => option): Parsed {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? String(issue.path[0]) : 'options';
  throw new InputError('invalid_option', describeIssue(field, nameOf(field), issue), field);
}

/** `shown`: the option as the sender knows it (a layer list's bad entry is the list's). */
function describeIssue(option: string, shown: string, issue: z.ZodIssue): string {
  // Messages written in the schema (they start with the option's name) say it best.
  if (issue.message.startsWith(option)) return `${shown}${issue.message.slice(option.length)}.`;
  switch (issue.code) {
    case 'too_small':
      return `${shown} must be at least ${String(issue.minimum)}${issue.type === 'number' && !issue.inclusive ? ' (exclusive)' : ''}.`;
    case 'too_big':
      return `${shown} must be at most ${String(issue.maximum)}.`;
    case 'invalid_enum_value':
      return `${shown} must be one of ${issue.options.join(', ')}.`;
    case 'unrecognized_keys':
      return `Unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`;
    case 'invalid_type':
      return issue.expected === 'integer' ? `${shown} must be a whole number.` : `${shown} must be a ${issue.expected} (got ${issue.received}).`;
    default:
      return `${shown}: ${issue.message}.`;
  }
}

/** `contentWeight` → `content_weight` (chat option names are lowercase). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}` : S;

export function snakeCase<S extends string>(name: S): SnakeCase<S> {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) as SnakeCase<S>;
}

/** `contentWeight` → `content-weight` (CLI flags). */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** "64–2048", "lbfgs, adam": what an option accepts, for help texts. */
export function describeAccepted(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
    case 'number':
      return `${formatNumber(spec.min)}–${formatNumber(spec.max)}`;
    case 'choice':
      return spec.choices.join(', ');
    case 'boolean':
      return 'true or false';
    case 'layers':
      return 'comma-separated';
    case 'network':
      return `${spec.pretrained.join(', ')} or trained:<name>`;
  }
}

/** A decimal number as a person types one: `512`, `+0.5`, `.5`, `1e5`, with spaces around. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * A typed number (a flag, a chat option), or NaN where it is not written in decimals: JavaScript's
 * Number() also reads `0x100` as 256, `0b1000000` as 64, and an empty text as 0.
 */
export function readDecimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/** `1e12` rather than `1000000000000`; other numbers as they are. */
export function formatNumber(value: number): string {
  return Math.abs(value) >= 1e5 && Number.isInteger(Math.log10(Math.abs(value))) ? value.toExponential().replace('e+', 'e') : String(value);
}
