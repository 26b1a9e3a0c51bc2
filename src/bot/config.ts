import { z } from 'zod';
import { BACKEND_NAMES, type BackendName } from '../engine/backend.ts';

/**
 * Every setting comes from the environment (or `.env`), is validated here once at start, and is
 * documented in `.env.example`. A wrong value stops the start with the variable's name and what is
 * expected, never with a stack trace.
 */
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const engineEnvironmentSchema = z.object({
  IMPASTO_BACKEND: z
    .enum(BACKEND_NAMES as [BackendName, ...BackendName[]])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  IMPASTO_WEIGHTS_DIR: optionalText,
  IMPASTO_WEIGHTS_URL: optionalText.pipe(z.string().url().optional()),
});

export type EngineEnvironment = z.infer<typeof engineEnvironmentSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseEnvironment<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${describeConfigIssue(issue)}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

function describeConfigIssue(issue: z.ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const enumIssue = issue.unionErrors.flatMap((error) => error.issues).find((inner) => inner.code === 'invalid_enum_value');
    if (enumIssue?.code === 'invalid_enum_value') return `expected one of ${enumIssue.options.join(', ')} (got "${String(enumIssue.received)}")`;
  }
  if (issue.code === 'invalid_enum_value') return `expected one of ${issue.options.join(', ')} (got "${String(issue.received)}")`;
  if (issue.code === 'invalid_string' && issue.validation === 'url') return 'expected a URL such as https://example.org/path/';
  return issue.message;
}

export function loadEngineEnvironment(env: NodeJS.ProcessEnv = process.env): EngineEnvironment {
  return parseEnvironment(engineEnvironmentSchema, env);
}
