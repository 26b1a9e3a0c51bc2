/** Levenshtein distance, for "did you mean …?" on mistyped names. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
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
