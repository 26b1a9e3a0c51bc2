import { InputError } from '../errors.ts';
import { trainedNetworkName } from '../option-spec.ts';
import type { EngineMethod } from './method.ts';
import type { MethodName } from './names.ts';
import { bestMethod } from './best.ts';
import { fastMethod } from './fast.ts';
import { optimiseMethod } from './optimise.ts';
import { trainMethod } from './train.ts';

/** Every way the engine can paint, by name: a job names its method. */
export const ENGINE_METHODS = {
  optimise: optimiseMethod,
  fast: fastMethod,
  best: bestMethod,
  train: trainMethod,
} as const satisfies Record<MethodName, EngineMethod>;

export { DEFAULT_METHOD, type MethodName } from './names.ts';

export function methodNamed(name: string): EngineMethod {
  const method = (ENGINE_METHODS as Record<string, EngineMethod>)[name];
  if (!method) throw new InputError('invalid_option', `There is no method "${name}"; the engine knows ${Object.keys(ENGINE_METHODS).join(', ')}.`, 'method');
  return method;
}

export type { EngineMethod, MethodContext, MethodInputs, MethodProgress, MethodRequest, MethodResult } from './method.ts';

/**
 * The networks trained here that a job names in its options (`trained:<name>` values of its
 * network options, without the prefix): those it paints with, and the one it makes (a training
 * job's). Machines that keep their own networks (Redis workers) copy these before and after a job.
 */
export function trainedNetworksOf(method: string, options: unknown): { readonly uses: readonly string[]; readonly makes?: string | undefined } {
  const specs = (ENGINE_METHODS as Record<string, EngineMethod>)[method]?.options ?? {};
  const values = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
  const uses: string[] = [];
  let makes: string | undefined;
  for (const [key, spec] of Object.entries(specs)) {
    const value = values[key];
    if (spec.type !== 'network' || typeof value !== 'string') continue;
    const name = trainedNetworkName(value);
    if (!name) continue;
    if (spec.made) makes = name;
    else if (!uses.includes(name)) uses.push(name);
  }
  return { uses, makes };
}
