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

/**
 * A community as the bot names it: `discord:<server id>` (`discord:dm-<user id>` for a direct
 * message), `slack:<team id>` or `web`. Anything else named none, and showed the shared styles as
 * that community's view.
 */
export function communityId(value: string): string {
  nonEmpty('a community such as discord:<server id>')(value);
  if (!/^(?:web|(?:discord|slack):\S+)$/.test(value)) throw new InvalidArgumentError('expected a community: discord:<server id>, slack:<team id> or web');
  return value;
}
