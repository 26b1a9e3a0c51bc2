import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import sharp from 'sharp';
import type { Bot } from '../../bot/bot.ts';
import type { CommandContext, Reply } from '../../bot/commands/types.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { userMessageOf } from '../../bot/errors.ts';
import { wasInterrupted, type Job, type Requester } from '../../bot/jobs/store.ts';
import type { JobEvent } from '../../bot/jobs/queue.ts';
import type { ApiError, AppInfo, JobStreamEvent, PublicJob, PublicStyle } from './api-types.ts';
import { loadAssets, type Asset } from './assets.ts';
import { readMultipart } from './multipart.ts';

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

const CLIENT_COOKIE = 'impasto_client';
const TOKEN_COOKIE = 'impasto_token';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The local playground: the bot's commands as a web page and a small JSON API. One more adapter:
 * it turns requests into `bot.execute` calls and bot events into Server-Sent Events.
 */
export async function startWebServer(options: { bot: Bot; env: BotEnvironment; logger: Logger }): Promise<WebServer> {
  const { bot, env, logger } = options;
  const assets = await loadAssets();
  const maxUploadBytes = env.IMPASTO_MAX_UPLOAD_MB * 1024 * 1024;
  const streams = new Set<ServerResponse>();
  const allowedHosts = allowedHostsOf(env);

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : userMessageOf(error) ? 400 : 500;
      const message = error instanceof HttpError ? error.message : (userMessageOf(error) ?? 'Something went wrong on our side; it has been logged.');
      if (status === 500) logger.error({ err: error, url: request.url }, 'web request failed');
      if (!response.headersSent) sendJson(response, status, { error: message, field: (error as { field?: string }).field } satisfies ApiError);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    setSecurityHeaders(response);
    checkHost(request, allowedHosts);
    if (!SAFE_METHODS.has(method)) checkSameOrigin(request);
    authorize(request, response, url);
    const clientId = clientIdOf(request, response);
    const asset = method === 'GET' ? assets.get(url.pathname) : undefined;
    if (asset) return sendAsset(response, asset);
    const requester: Requester = { platform: 'web', userId: clientId, userName: 'you', isModerator: env.IMPASTO_WEB_LIBRARY_EDITS };
    const context: CommandContext = { requester, origin: { platform: 'web', channelId: 'web' } };
    const path = url.pathname;
    let match: RegExpExecArray | null;

    if (method === 'GET' && path === '/api/info') {
      const info: AppInfo = {
        commands: bot.commands.map((command) => command.definition),
        libraryEdits: env.IMPASTO_WEB_LIBRARY_EDITS,
        maxUploadBytes,
        backend: bot.engineInfo()?.label,
      };
      return sendJson(response, 200, info);
    }
    if (method === 'GET' && path === '/api/styles') {
      const styles: PublicStyle[] = bot.library.list().map((style) => ({ name: style.name, title: style.title, imageUrl: `/api/styles/${style.name}/image` }));
      return sendJson(response, 200, styles);
    }
    if (method === 'GET' && path === '/api/styles/sheet.png') {
      const reply = await bot.execute('styles', {}, context);
      return sendBytes(response, 'image/png', reply.files![0]!.bytes);
    }
    if (method === 'GET' && (match = /^\/api\/styles\/([a-z0-9-]+)\/image$/.exec(path))) {
      const style = bot.library.get(match[1]!);
      if (!style) throw new HttpError(404, `There is no style "${match[1]}".`);
      const thumbnail = await sharp(style.path).resize(320, 320, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
      return sendBytes(response, 'image/jpeg', thumbnail);
    }
    if (method === 'POST' && path === '/api/styles') {
      const form = await readMultipart(request, maxUploadBytes);
      return sendReply(response, await bot.execute('style add', { ...nonEmpty(form.fields), ...form.files }, context), 201);
    }
    if (method === 'DELETE' && (match = /^\/api\/styles\/([a-z0-9-]+)$/.exec(path))) {
      return sendReply(response, await bot.execute('style remove', { name: match[1] }, context));
    }
    if (method === 'POST' && path === '/api/jobs') {
      const form = await readMultipart(request, maxUploadBytes);
      const reply = await bot.execute('stylize', { ...nonEmpty(form.fields), ...form.files }, context);
      if (!reply.jobId) return sendReply(response, reply);
      return sendJson(response, 201, { message: reply.text, job: publicJob(bot.job(reply.jobId)!) });
    }
    if (method === 'GET' && path === '/api/jobs') {
      return sendJson(response, 200, bot.jobsOf('web', clientId).map(publicJob));
    }
    if (method === 'GET' && path === '/api/queue') {
      return sendReply(response, await bot.execute('queue', {}, context));
    }
    if ((match = /^\/api\/jobs\/([\w-]+)(\/events|\/result\.png|\/result\.gif|\/content\.png)?$/.exec(path))) {
      const job = bot.job(match[1]!);
      // Another browser's job looks the same as no job at all.
      if (!job || job.requester.platform !== 'web' || job.requester.userId !== clientId) throw new HttpError(404, `There is no job "${match[1]}".`);
      const part = match[2];
      if (method === 'DELETE' && !part) return sendReply(response, await bot.execute('cancel', { job: job.id }, context));
      if (method !== 'GET') throw new HttpError(405, 'Method not allowed.');
      if (!part) return sendJson(response, 200, publicJob(job));
      if (part === '/events') return streamJob(request, response, job);
      if (part === '/content.png') return sendBytes(response, 'image/png', await readFile(job.contentPath).catch(() => notFound('The photo of this job has expired.')));
      const files = await bot.resultFiles(job).catch(() => notFound('This result has expired or is not ready.'));
      const download = url.searchParams.has('download') ? `attachment; filename="impasto-${job.id}.${part === '/result.png' ? 'png' : 'gif'}"` : undefined;
      return part === '/result.png' ? sendBytes(response, 'image/png', files.png, download) : sendBytes(response, 'image/gif', files.gif, download);
    }
    throw new HttpError(404, 'Not found.');
  }

  function publicJob(job: Job): PublicJob {
    const entry = job.status === 'queued' || job.status === 'running' ? bot.queueEntry(job.id) : undefined;
    return {
      id: job.id,
      status: job.status,
      styleLabel: job.styleLabel,
      params: job.params,
      position: entry?.position,
      etaMs: entry?.etaMs,
      progress: job.progress,
      result: job.result && {
        width: job.result.width,
        height: job.result.height,
        iterations: job.result.iterations,
        elapsedMs: job.result.elapsedMs,
        backend: job.result.backend,
        png: `/api/jobs/${job.id}/result.png`,
        gif: `/api/jobs/${job.id}/result.gif`,
        lossHistory: job.result.lossHistory,
      },
      error: job.error,
      restarted: wasInterrupted(job),
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      contentUrl: `/api/jobs/${job.id}/content.png`,
    };
  }

  function streamJob(request: IncomingMessage, response: ServerResponse, job: Job): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event: JobStreamEvent) => response.write(`data: ${JSON.stringify(event)}\n\n`);
    send({ type: 'snapshot', job: publicJob(job) });
    if (!['queued', 'running'].includes(job.status)) return void response.end();
    streams.add(response);
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    const unsubscribe = bot.onEvent((event: JobEvent) => {
      if (event.job.id !== job.id) return;
      switch (event.type) {
        case 'queued':
        case 'resumed':
          return send({ type: 'queued', position: event.position, etaMs: event.etaMs });
        case 'started':
          return send({ type: 'started' });
        case 'progress':
          return send({
            type: 'progress',
            iteration: event.progress.iteration,
            totalIterations: event.progress.totalIterations,
            etaMs: event.progress.etaMs,
            elapsedMs: event.progress.elapsedMs,
            terms: event.recentTerms.map((terms) => [terms.content, terms.style, terms.tv] as const),
            preview: event.preview ? `data:image/jpeg;base64,${Buffer.from(event.preview).toString('base64')}` : undefined,
          });
        default:
          send({ type: 'finished', job: publicJob(event.job) });
          close();
      }
    });
    const close = () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(response);
      response.end();
    };
    request.on('close', close);
  }

  function authorize(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const expected = env.IMPASTO_WEB_TOKEN;
    if (!expected) return;
    const offered = url.searchParams.get('token') ?? bearerOf(request) ?? cookiesOf(request)[TOKEN_COOKIE];
    if (!offered || !sameSecret(offered, expected)) throw new HttpError(401, 'This playground needs its access token: open the address printed at start, which ends in ?token=…');
    if (url.searchParams.has('token')) response.setHeader('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(offered)}; HttpOnly; SameSite=Strict; Path=/`);
  }

  await new Promise<void>((resolve) => server.listen(env.IMPASTO_WEB_PORT, env.IMPASTO_WEB_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const host = env.IMPASTO_WEB_HOST.includes(':') ? `[${env.IMPASTO_WEB_HOST}]` : env.IMPASTO_WEB_HOST;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CROSS_SITE_REFUSAL = 'This playground accepts changes only from its own page (cross-site request refused).';

/** The names this playground answers to: the configured list, and always the address it listens on. */
function allowedHostsOf(env: BotEnvironment): Set<string> {
  const listening = env.IMPASTO_WEB_HOST.includes(':') ? `[${env.IMPASTO_WEB_HOST}]` : env.IMPASTO_WEB_HOST;
  return new Set([...env.IMPASTO_WEB_ALLOWED_HOSTS, listening.toLowerCase()]);
}

/**
 * Refuses a request addressed to a name we do not answer to. A page on another site can rebind its
 * own domain name to 127.0.0.1 and then read this server as "same origin"; its requests still carry
 * that other name in `Host`.
 */
function checkHost(request: IncomingMessage, allowed: ReadonlySet<string>): void {
  const hostname = hostnameOf(request.headers.host);
  if (!hostname || !allowed.has(hostname)) {
    throw new HttpError(403, `This playground answers only at ${[...allowed].join(', ')}; "${request.headers.host ?? ''}" is not one of them (see IMPASTO_WEB_ALLOWED_HOSTS).`);
  }
}

/**
 * Refuses a state-changing request that a browser says came from another site (cross-site request
 * forgery). Requests without these headers are not from a browser page (curl, scripts) and pass.
 */
function checkSameOrigin(request: IncomingMessage): void {
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

function notFound(message: string): never {
  throw new HttpError(404, message);
}

function nonEmpty(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value.trim() !== ''));
}

function clientIdOf(request: IncomingMessage, response: ServerResponse): string {
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

function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'");
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer');
}

function sendAsset(response: ServerResponse, asset: Asset): void {
  response.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'no-cache' });
  response.end(asset.body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** A refusal becomes a 400 naming the field (the page shows it beside that field). */
function sendReply(response: ServerResponse, reply: Reply, okStatus = 200): void {
  if (reply.refusal) sendJson(response, 400, { error: reply.text, field: reply.refusal.field } satisfies ApiError);
  else sendJson(response, okStatus, { message: reply.text });
}

function sendBytes(response: ServerResponse, contentType: string, bytes: Uint8Array, disposition?: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': bytes.byteLength, 'cache-control': 'private, max-age=3600', ...(disposition ? { 'content-disposition': disposition } : {}) });
  response.end(bytes);
}
