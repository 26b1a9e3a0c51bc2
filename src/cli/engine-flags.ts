import { InvalidArgumentError, Option } from 'commander';
import { describeAccepted, kebabCase, parseOptions, readDecimal, schemaOf, type OptionSpec, type OptionSpecs } from '../engine/option-spec.ts';

const toNumber = (value: string): number => {
  const number = readDecimal(value);
  if (!Number.isFinite(number)) throw new InvalidArgumentError('expected a number');
  return number;
};
/** `0.7,0.3`: a blend's weights, each above 0 (the engine refuses a style weighted 0, but only once it has started). */
export const toBlendWeights = (value: string): number[] =>
  value.split(',').map((part) => {
    const number = readDecimal(part);
    if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected numbers above 0, such as 0.7,0.3');
    return number;
  });
const toLayerList = (value: string): string[] => value.split(',').map((layer) => layer.trim()).filter(Boolean);

/**
 * One commander option per engine option: `contentWeight` → `--content-weight <value>`, with its
 * range and default in the help. Defaults are not set here: an option left out is left to the engine.
 */
export function flagsOf(specs: OptionSpecs): Option[] {
  return Object.entries(specs).map(([name, spec]) => flagOf(name, spec));
}

function flagOf(name: string, spec: OptionSpec): Option {
  const flag = kebabCase(name);
  // Commander lists a choice's values itself.
  const accepted = spec.type === 'choice' ? [] : [describeAccepted(spec)];
  const fallback = 'default' in spec && spec.default !== undefined ? [`default ${String(spec.default)}`] : spec.unset ? [`default ${spec.unset}`] : [];
  const notes = [...accepted, ...fallback];
  const help = notes.length > 0 ? `${spec.help} (${notes.join('; ')})` : spec.help;
  switch (spec.type) {
    case 'integer':
    case 'number':
      return new Option(`--${flag} <value>`, help).argParser(toNumber);
    case 'choice':
      return new Option(`--${flag} <value>`, help).choices(spec.choices);
    case 'network':
      return new Option(`--${flag} <name>`, help);
    case 'layers':
      return new Option(`--${flag} <list>`, help).argParser(toLayerList);
    case 'boolean':
      // A switch that is on by default is turned off with --no-…
      return spec.default === true ? new Option(`--no-${flag}`, spec.help) : new Option(`--${flag}`, spec.help);
  }
}

/** The engine's options from parsed flags (commander names them in camelCase, as the engine does). */
export function engineOptionsOfFlags<T extends OptionSpecs>(specs: T, flags: Readonly<Record<string, unknown>>): { [K in keyof T]?: unknown } {
  return Object.fromEntries(Object.keys(specs).flatMap((name) => (flags[name] !== undefined ? [[name, flags[name]]] : []))) as { [K in keyof T]?: unknown };
}

/** An engine option as the command line's user typed it: `styleScale` → `--style-scale`. */
export const flagNameOf = (name: string): string => `--${kebabCase(name)}`;

/** Refuses, before any work, an option out of its table's range, naming it as typed (`--style-scale`). */
export function checkFlags(specs: OptionSpecs, options: Readonly<Record<string, unknown>>): void {
  parseOptions(schemaOf(specs), options, flagNameOf);
}
