import { InputError } from '../errors.ts';
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
