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

/** Whether `written` is a web address (`https://…`): impasto reads and writes files only, and downloads nothing. */
export function isWebAddress(written: string): boolean {
  return /^https?:\/\//i.test(written);
}

/**
 * A folder of pictures a command reads (`--photos`, `styles import <dir>`): not empty, and not a web
 * address, which was resolved as a folder named "https:" ("The photo folder /home/me/https:/… cannot
 * be read") or said "there is no such file or folder", as of a mistyped name.
 */
export function pictureFolder(value: string): string {
  nonEmpty('a folder')(value);
  if (isWebAddress(value)) throw new InvalidArgumentError('expected a folder, not a web address: impasto reads files only (it downloads nothing), so save the pictures in a folder and name that');
  return value;
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
