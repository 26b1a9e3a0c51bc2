/**
 * Whether a style is one that words look for: in its name or its title, in any case (`wave` and
 * `great wave` find great-wave; `van gogh`, "The Starry Night, Vincent van Gogh (1889)"). /styles'
 * search, Discord's autocomplete and the playground's filter all find styles by this one rule (it
 * has no imports, so that the playground's script can use it too).
 */
export function styleMatches(style: { readonly name: string; readonly title: string }, words: string): boolean {
  const query = words.trim().toLowerCase();
  return style.name.includes(query.replace(/\s+/g, '-')) || style.title.toLowerCase().includes(query);
}
