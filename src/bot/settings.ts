import type { Db } from './database.ts';
import type { CommandLimits } from './limits.ts';
import { counted } from './format.ts';
import type { Platform } from './jobs/store.ts';

/** What a community's moderators may choose for it, within the deployment's limits. */
export interface CommunitySettings {
  /** Largest size its members may ask for (at most the deployment's). */
  readonly maxSize: number;
  /** Most iterations its members may ask for (at most the deployment's). */
  readonly maxIterations: number;
  /** Who may add styles to its library. */
  readonly styleAdders: 'moderators' | 'everyone';
  /** Results are posted hidden behind a spoiler (where the platform has them: Discord). */
  readonly spoilerResults: boolean;
}

export const STYLE_ADDERS = ['moderators', 'everyone'] as const;

/** Each community's settings: the deployment's defaults, overridden by what its moderators set. */
export class SettingsStore {
  constructor(
    private readonly db: Db,
    private readonly limits: CommandLimits,
  ) {}

  get(community: string): CommunitySettings {
    const rows = this.db.prepare('SELECT key, value FROM community_settings WHERE community = ?').all(community) as { key: keyof CommunitySettings; value: string }[];
    const stored = Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown])) as Partial<CommunitySettings>;
    // A deployment that lowered its limits since wins over an older, larger choice.
    return {
      maxSize: Math.min(stored.maxSize ?? this.limits.maxSize, this.limits.maxSize),
      maxIterations: Math.min(stored.maxIterations ?? this.limits.maxIterations, this.limits.maxIterations),
      styleAdders: stored.styleAdders ?? 'moderators',
      spoilerResults: stored.spoilerResults ?? false,
    };
  }

  set(community: string, changes: Partial<CommunitySettings>): CommunitySettings {
    const upsert = this.db.prepare('INSERT INTO community_settings (community, key, value) VALUES (?, ?, ?) ON CONFLICT (community, key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) upsert.run(community, key, JSON.stringify(value));
    })();
    return this.get(community);
  }

  /** The size a job gets without asking: the deployment's default, within the community's maximum. */
  defaultSize(community: string): number {
    return Math.min(this.limits.defaultSize, this.get(community).maxSize);
  }

  defaultIterations(community: string): number {
    return Math.min(this.limits.defaultIterations, this.get(community).maxIterations);
  }
}

/** Where results can be posted behind a spoiler: Slack and the playground have none. */
export const SPOILER_PLATFORMS: ReadonlySet<Platform> = new Set(['discord']);

/** The settings as one line, for the reply to /settings (the spoiler only where the platform has one). */
export function describeSettings(settings: CommunitySettings, platform: Platform): string {
  const results = SPOILER_PLATFORMS.has(platform) ? ` · results ${settings.spoilerResults ? 'behind a spoiler' : 'shown'}` : '';
  return `Largest size ${settings.maxSize} px · at most ${counted(settings.maxIterations, 'iteration')} · styles added by ${settings.styleAdders}${results}.`;
}
