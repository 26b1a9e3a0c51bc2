import { snakeCase, type BooleanSpec, type ChoiceSpec, type NumberSpec, type OptionSpec, type OptionSpecs, type SnakeCase, type ValueOfSpec } from '../../engine/option-spec.ts';
import type { BooleanOption, ChoiceOption, NumberOption, OptionDefinition } from './types.ts';

/** Whether the chat option always has a value: the override's word first (an `unset` removes the default), then the engine's default. */
type HasDefault<S extends OptionSpec, O> = O extends { unset: string } ? false : O extends { default: unknown } ? true : S extends { default: unknown } ? true : false;

/** A chat option as derived from an engine option: same type, range, default and help. */
type ChatOptionOf<S extends OptionSpec, O> = (S extends NumberSpec
  ? Omit<NumberOption, 'default' | 'type'> & { readonly type: S['type'] }
  : S extends ChoiceSpec
    ? Omit<ChoiceOption, 'default' | 'choices'> & { readonly choices: S['choices'] }
    : S extends BooleanSpec
      ? Omit<BooleanOption, 'default'>
      : never) &
  (HasDefault<S, O> extends true ? { readonly default: ValueOfSpec<S> } : unknown);

export type ChatOptionsOf<T extends OptionSpecs, N extends keyof T & string, O> = { readonly [K in N as SnakeCase<K>]: ChatOptionOf<T[K], K extends keyof O ? O[K] : unknown> };

/**
 * What a deployment changes of an option for chat: a smaller maximum, its own default, its wording,
 * or no default at all (`unset` says what empty means, e.g. a random seed).
 */
export type ChatOverride = { readonly max?: number; readonly default?: number; readonly help?: string; readonly unset?: string };

/**
 * Engine options as chat options (snake_case names, as Discord requires): the chosen `names`, in
 * that order, with the deployment's `overrides` (e.g. IMPASTO_MAX_SIZE).
 */
export function chatOptionsOf<T extends OptionSpecs, const N extends keyof T & string, const O extends Partial<Record<N, ChatOverride>> = Record<never, never>>(
  specs: T,
  names: readonly N[],
  overrides?: O,
): ChatOptionsOf<T, N, O> {
  return Object.fromEntries(names.map((name) => [snakeCase(name), chatOptionOf(specs[name]!, (overrides as Partial<Record<string, ChatOverride>> | undefined)?.[name])])) as ChatOptionsOf<T, N, O>;
}

function chatOptionOf(spec: OptionSpec, override: ChatOverride | undefined): OptionDefinition {
  const description = override?.help ?? spec.help;
  const unset = override?.unset ?? spec.unset;
  // The default, or else what leaving it empty means (for forms).
  const fallback = (value: number | string | boolean | undefined) => (override?.unset === undefined && value !== undefined ? { default: value } : unset !== undefined ? { unset } : {});
  switch (spec.type) {
    case 'integer':
    case 'number':
      return { type: spec.type, description, min: spec.min, max: override?.max ?? spec.max, ...(fallback(override?.default ?? spec.default) as { default?: number }) };
    case 'choice':
      return { type: 'choice', description, choices: spec.choices, ...(fallback(spec.default) as { default?: string }) };
    case 'boolean':
      return { type: 'boolean', description, ...(fallback(spec.default) as { default?: boolean }) };
    case 'layers':
      throw new Error('layer lists are not offered in chat');
    case 'network':
      throw new Error('networks are chosen in chat through the style, not by name');
  }
}

/** The engine's names back from chat arguments: `content_weight` → `contentWeight`, leaving out what was not given. */
export function engineOptionsFrom<N extends string>(names: readonly N[], args: Readonly<Record<string, unknown>>): Partial<Record<N, unknown>> {
  return Object.fromEntries(names.flatMap((name) => (args[snakeCase(name)] !== undefined ? [[name, args[snakeCase(name)]]] : []))) as Partial<Record<N, unknown>>;
}
