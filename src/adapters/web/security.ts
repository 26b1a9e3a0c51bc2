/**
 * Who may use the playground, and from where: the Host allow-list (DNS rebinding), same-origin checks
 * on changes (cross-site request forgery), the optional access token, and the anonymous client cookie
 * that keeps each browser's jobs its own.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotEnvironment } from '../../bot/config.ts';
import { hostInUrl } from '../../bot/listen.ts';
import { HttpError } from './http.ts';

const CLIENT_COOKIE = 'impasto_client';
const TOKEN_COOKIE = 'impasto_token';

/** With IMPASTO_WEB_TOKEN set, every request needs it (once in the address, then from its cookie). */
export function authorize(request: IncomingMessage, response: ServerResponse, url: URL, expected: string | undefined): void {
  if (!expected) return;
  const offered = url.searchParams.get('token') ?? bearerOf(request) ?? cookiesOf(request)[TOKEN_COOKIE];
  if (!offered || !sameSecret(offered, expected)) throw new HttpError(401, 'This playground needs its access token: open the address printed at start, which ends in ?token=…');
  if (url.searchParams.has('token')) response.setHeader('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(offered)}; HttpOnly; SameSite=Strict; Path=/`);
}

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const CROSS_SITE_REFUSAL = 'This playground accepts changes only from its own page (cross-site request refused).';

/** The names this playground answers to: the configured list, and always the address it listens on. */
export function allowedHostsOf(env: BotEnvironment): Set<string> {
  return new Set([...env.IMPASTO_WEB_ALLOWED_HOSTS, hostInUrl(env.IMPASTO_WEB_HOST).toLowerCase()]);
}

/**
 * Refuses a request addressed to a name we do not answer to. A page on another site can rebind its
 * own domain name to 127.0.0.1 and then read this server as "same origin"; its requests still carry
 * that other name in `Host`.
 */
export function checkHost(request: IncomingMessage, allowed: ReadonlySet<string>): void {
  const hostname = hostnameOf(request.headers.host);
  if (!hostname || !allowed.has(hostname)) {
    throw new HttpError(403, `This playground answers only at ${[...allowed].join(', ')}; "${request.headers.host ?? ''}" is not one of them (see IMPASTO_WEB_ALLOWED_HOSTS).`);
  }
}

/**
 * Refuses a state-changing request that a browser says came from another site (cross-site request
 * forgery). Requests without these headers are not from a browser page (curl, scripts) and pass.
 */
export function checkSameOrigin(request: IncomingMessage): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, CROSS_SITE_REFUSAL);
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    originHost = undefined;
  }
  if (originHost !== request.headers.host?.toLowerCase()) throw new HttpError(403, CROSS_SITE_REFUSAL);
}

/** `localhost:8080` → `localhost`, `[::1]:8080` → `[::1]`; undefined for anything unparsable. */
function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}/`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function clientIdOf(request: IncomingMessage, response: ServerResponse): string {
  const existing = cookiesOf(request)[CLIENT_COOKIE];
  if (existing && /^[\w-]{16,64}$/.test(existing)) return existing;
  const id = randomBytes(16).toString('base64url');
  response.appendHeader('set-cookie', `${CLIENT_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000`);
  return id;
}

function cookiesOf(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    (request.headers.cookie ?? '')
      .split(';')
      .map((pair) => pair.trim().split('='))
      .filter((pair): pair is [string, string] => pair.length === 2)
      .map(([key, value]) => [key, decodeCookieValue(value)]),
  );
}

/** Browsers send every localhost app's cookies to every port: one we cannot decode is not ours, and is kept as it is. */
function decodeCookieValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'");
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer');
}
