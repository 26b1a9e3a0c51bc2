import type { IncomingHttpHeaders } from 'node:http';

/** Slack's documented window: a request whose timestamp is further away than this is refused. */
const WINDOW_MS = 5 * 60_000;
/** A bound on memory under a flood of forged requests (each one is refused by Bolt anyway). */
const MAX_REMEMBERED = 50_000;

/**
 * Refuses what Bolt's own check lets through in HTTP mode: a timestamp from the future, and the
 * exact replay of a request already seen (same signature) within the window. Runs before Bolt's
 * signature check, so forged signatures are remembered too; they could never match a genuine one.
 */
export function createReplayGuard(now: () => number = Date.now): (headers: IncomingHttpHeaders) => boolean {
  const seen = new Map<string, number>();
  return (headers) => {
    const timestamp = Number(headers['x-slack-request-timestamp']) * 1000;
    const signature = headers['x-slack-signature'];
    // Missing or malformed headers are Bolt's to refuse, with its own log line.
    if (!Number.isFinite(timestamp) || typeof signature !== 'string') return true;
    const time = now();
    if (Math.abs(time - timestamp) > WINDOW_MS) return false;
    for (const [old, expires] of seen) {
      if (expires > time && seen.size < MAX_REMEMBERED) break;
      seen.delete(old);
    }
    if (seen.has(signature)) return false;
    seen.set(signature, timestamp + WINDOW_MS);
    return true;
  };
}
