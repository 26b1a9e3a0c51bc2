import type { Platform } from './types.ts';

/**
 * A command as a member types it there, with options: `/styles page:2` on Discord (and in the
 * playground's help); on Slack, where only /stylize is a slash command of its own, `/impasto styles
 * page=2`, a value with spaces in quotes. Replies that say what to type next use this, so that what
 * they suggest works as written.
 */
export function invocationOf(name: string, platform: Platform, options: Readonly<Record<string, string | number>> = {}): string {
  const command = platform === 'slack' && name !== 'stylize' ? `/impasto ${name}` : `/${name}`;
  const typed = Object.entries(options).map(([option, value]) => (platform === 'slack' ? `${option}=${quotedIfSpaced(String(value))}` : `${option}:${value}`));
  return [command, ...typed].join(' ');
}

function quotedIfSpaced(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** How to paint with a named style there: Slack's /stylize takes the style as its first word. */
export function stylizeWithNamedStyle(platform: Platform): string {
  return platform === 'slack' ? '/stylize <name>' : invocationOf('stylize', platform, { style_name: '<name>' });
}
