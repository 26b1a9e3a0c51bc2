/**
 * Edit distance for "did you mean …?" on mistyped names: Levenshtein's, with two neighbouring
 * letters swapped counted as one slip (`strat` is one from `start`), as typing makes them.
 */
export function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, beforePrevious[j - 2]! + 1);
      current.push(distance);
    }
    [beforePrevious, previous] = [previous, current];
  }
  return previous[b.length]!;
}

/** The names closest to `input` (substring matches first), at most `limit`, none absurdly far. */
export function closestNames(input: string, names: readonly string[], limit = 3): string[] {
  const query = input.toLowerCase();
  return names
    .map((name) => ({ name, score: name.includes(query) || query.includes(name) ? 0 : editDistance(query, name) }))
    .filter(({ name, score }) => score <= Math.max(2, Math.floor(name.length / 2)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name);
}

/**
 * The name a mistyped one most likely meant: the same written another way (`style-name`,
 * `styleName`, `Size` for `style_name` and `size`), or one a slip of a letter or two away (`sise`,
 * `stlyes`); none when nothing is that close.
 */
export function nameMeantBy(typed: string, names: readonly string[]): string | undefined {
  const written = typed.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
  const [closest] = names.map((name) => ({ name, distance: editDistance(written, name.replace(/-/g, '_')) })).sort((a, b) => a.distance - b.distance);
  return closest && closest.distance <= Math.min(2, Math.floor(closest.name.length / 3)) ? closest.name : undefined;
}
