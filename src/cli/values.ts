import { InvalidArgumentError } from 'commander';

/**
 * A file, folder or style a command names: refused when empty, as a script's unset variable makes
 * it (`impasto stylize "$PHOTO" "$STYLE"`). Empty, a folder was the current one, a `--sample` was
 * none, and a style was looked up in the library ("Did you mean …?").
 */
export function nonEmpty(what: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`expected ${what}, not an empty one`);
    return value;
  };
}

/** The same for a list of them (`<styles...>`, `--background-style <files...>`): commander hands each value with the list so far. */
export function nonEmptyEach(what: string): (value: string, previous: string[] | undefined) => string[] {
  const check = nonEmpty(what);
  return (value, previous) => [...(previous ?? []), check(value)];
}
