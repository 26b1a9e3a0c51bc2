import { z } from 'zod';
import { formatNumber, readDecimal } from '../../engine/option-spec.ts';
import { BotError } from '../errors.ts';
import { nameMeantBy } from '../../suggest.ts';
import type { ArgsOf, CommandDefinition, OptionDefinition } from './types.ts';

const imageSchema = z.object({ bytes: z.instanceof(Uint8Array), name: z.string() });

function schemaFor(name: string, option: OptionDefinition): z.ZodTypeAny {
  switch (option.type) {
    case 'image':
      // Typed as text (`style=starry-night` in Slack's /stylize or a mention): say what it takes instead.
      return z.custom<z.infer<typeof imageSchema>>((value) => imageSchema.safeParse(value).success, `${name} takes an uploaded picture, not text: ${option.description}`);
    case 'number':
    case 'integer': {
      const range = `${name} must be ${option.type === 'integer' ? 'a whole number' : 'a number'} from ${formatNumber(option.min)} to ${formatNumber(option.max)}`;
      let schema = z.coerce.number({ invalid_type_error: range }).finite(range).min(option.min, range).max(option.max, range);
      if (option.type === 'integer') schema = schema.int(range);
      // Typed (Slack, a mention, the web form), a number is read as written in decimals.
      return z.preprocess((value) => (typeof value === 'string' ? readDecimal(value) : value), schema);
    }
    case 'choice': {
      const choices = z.enum(option.choices as [string, ...string[]], {
        errorMap: (_issue, context) => {
          // `mode=optimize`, `target=persons`: the choice it most likely meant, then every choice.
          const meant = typeof context.data === 'string' ? nameMeantBy(context.data, option.choices) : undefined;
          return { message: `${name} must be one of ${option.choices.join(', ')}${meant ? ` (did you mean ${meant}?)` : ''}` };
        },
      });
      // Typed (Slack, a mention), `mode=Fast` is the choice fast.
      return z.preprocess((value) => (typeof value === 'string' ? (option.choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase()) ?? value) : value), choices);
    }
    case 'text':
      return z.string().trim().min(1, `${name} must not be empty`).max(option.maxLength, `${name} must be at most ${option.maxLength} characters`);
    case 'boolean':
      return z.preprocess(
        (value) => (typeof value === 'string' ? ({ true: true, yes: true, on: true, false: false, no: false, off: false } as Record<string, boolean>)[value.toLowerCase()] ?? value : value),
        z.boolean({ invalid_type_error: `${name} must be true or false` }),
      );
  }
}

/**
 * Checks raw arguments (typed by Discord, or text from Slack and the web form) against a command's
 * definition, fills defaults, and names the first option that is wrong together with what it accepts.
 */
export function parseArgs<D extends CommandDefinition>(definition: D, raw: Readonly<Record<string, unknown>>): ArgsOf<D> {
  const unknown = Object.keys(raw).filter((key) => !(key in definition.options));
  if (unknown.length > 0) {
    const names = Object.keys(definition.options);
    const meant = unknown.length === 1 ? nameMeantBy(unknown[0]!, names) : undefined;
    const guess = meant ? `: did you mean ${meant}?` : '.';
    throw new BotError('invalid_option', `/${definition.name} has no option ${unknown.map((key) => `"${key}"`).join(', ')}${guess} Its options are: ${names.join(', ')}.`, unknown[0]);
  }
  if (definition.oneOf) {
    const given = definition.oneOf.options.filter((name) => raw[name] !== undefined && raw[name] !== null && raw[name] !== '');
    if (given.length === 0 && definition.oneOf.missing) throw new BotError('missing_option', definition.oneOf.missing, definition.oneOf.options[0]);
    if (given.length > 1) throw new BotError('invalid_option', definition.oneOf.both, given[0]);
  }
  const args: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(definition.options)) {
    const value = raw[name];
    if (value === undefined || value === null || value === '') {
      if ('default' in option && option.default !== undefined) args[name] = option.default;
      else if (option.required) throw new BotError('missing_option', `${name} is required: ${option.description}.`, name);
      continue;
    }
    const parsed = schemaFor(name, option).safeParse(value);
    if (!parsed.success) throw new BotError('invalid_option', `${parsed.error.issues[0]?.message ?? `${name} is not valid`}.`, name);
    args[name] = parsed.data;
  }
  return args as ArgsOf<D>;
}

/** Checks just some options of a command (e.g. a form's fields before the images are fetched). */
export function checkOptions(definition: CommandDefinition, raw: Readonly<Record<string, unknown>>): void {
  const subset = Object.fromEntries(Object.entries(definition.options).filter(([name]) => name in raw).map(([name, option]) => [name, { ...option, required: false }]));
  parseArgs({ name: definition.name, description: definition.description, options: subset }, raw);
}
