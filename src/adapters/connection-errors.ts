import type { Logger } from 'pino';

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

/** What a member is told when their platform failed for the moment (its servers, its rate limits): the same sentence for every platform. */
export function notAnsweringText(platform: string): string {
  return `${platform} did not answer just now; please try again in a moment.`;
}

/**
 * A listener's failure in the log: a warning when the platform failed for the moment (`outage`, as
 * each adapter judges it: not ours to fix), else an error, ours to look into.
 */
export function logListenerFailure(logger: Logger, error: unknown, failure: { readonly platform: string; readonly outage: boolean }, message: string, fields: Readonly<Record<string, string>> = {}): void {
  if (failure.outage) logger.warn({ err: error, ...fields }, `${message}: ${failure.platform} did not answer`);
  else logger.error({ err: error, ...fields }, message);
}

/** What `impasto doctor` says of a chat platform: whether it is configured, and whether it answers with these settings. */
export interface PlatformCheck {
  readonly configured: boolean;
  readonly ok?: boolean | undefined;
  readonly note: string;
}
