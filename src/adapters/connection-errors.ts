/**
 * Why a chat platform could not be reached at start, in the words an operator needs. The platform
 * libraries throw the network's error as they got it (discord.js), or wrapped (Slack's Web API
 * client, undici's "fetch failed"): this finds the code either way.
 */
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The network's error code (ENOTFOUND, ECONNREFUSED…) somewhere in the error's chain, if it is one. */
export function networkCodeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, cause, original } = current as { code?: unknown; cause?: unknown; original?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = original ?? cause;
  }
  return undefined;
}

/** "Could not reach Discord (ENOTFOUND): …": the same sentence for every platform. */
export function unreachableText(platform: string, code: string, urlVariable: string, urlSet: boolean): string {
  return `Could not reach ${platform} (${code}): check this machine's connection to the internet${urlSet ? `, and ${urlVariable}` : ''}, then start again.`;
}

/** What `impasto doctor` says of a chat platform: whether it is configured, and whether it answers with these settings. */
export interface PlatformCheck {
  readonly configured: boolean;
  readonly ok?: boolean | undefined;
  readonly note: string;
}
