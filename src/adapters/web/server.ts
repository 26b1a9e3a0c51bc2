import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { describeFailure, failureKindOf, userMessageOf } from '../../bot/errors.ts';
import type { ApiError } from './api-types.ts';
import { loadAssets } from './assets.ts';
import { FAILURE_STATUS, HttpError, sendAsset, sendJson } from './http.ts';
import { route } from './routes.ts';
import { allowedHostsOf, authorize, checkHost, checkSameOrigin, clientIdOf, SAFE_METHODS, setSecurityHeaders } from './security.ts';
import { listenOn } from '../../bot/listen.ts';

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The local playground: the bot's commands as a web page and a small JSON API (`routes.ts`). One
 * more adapter: requests become `bot` calls, job events become Server-Sent Events (`job-stream.ts`).
 */
export async function startWebServer(options: { bot: Bot; env: BotEnvironment; logger: Logger }): Promise<WebServer> {
  const { bot, env, logger } = options;
  const assets = await loadAssets();
  const streams = new Set<() => void>();
  const allowedHosts = allowedHostsOf(env);
  const trackStream = (close: () => void) => {
    streams.add(close);
    return () => void streams.delete(close);
  };

  const server: Server = createServer((request, response) => {
    (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = request.method ?? 'GET';
      setSecurityHeaders(response);
      checkHost(request, allowedHosts);
      if (!SAFE_METHODS.has(method)) checkSameOrigin(request);
      authorize(request, response, url, env.IMPASTO_WEB_TOKEN);
      const clientId = clientIdOf(request, response);
      const asset = method === 'GET' ? assets.get(url.pathname) : undefined;
      if (asset) return sendAsset(response, asset);
      const context = { requester: { platform: 'web' as const, community: 'web', userId: clientId, userName: 'you', isModerator: env.IMPASTO_WEB_LIBRARY_EDITS }, origin: { platform: 'web' as const, channelId: 'web' } };
      await route({ bot, env, request, response, url, clientId, context, trackStream });
    })().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : userMessageOf(error) ? 400 : FAILURE_STATUS[failureKindOf(error)];
      const message = error instanceof HttpError ? error.message : describeFailure(error);
      if (status >= 500) logger.error({ err: error, url: request.url }, 'web request failed');
      if (!response.headersSent) sendJson(response, status, { error: message, field: (error as { field?: string }).field } satisfies ApiError);
      else response.end();
    });
  });

  const origin = await listenOn(server, { port: env.IMPASTO_WEB_PORT, host: env.IMPASTO_WEB_HOST, portVariable: 'IMPASTO_WEB_PORT', hostVariable: 'IMPASTO_WEB_HOST' });
  return {
    url: `${origin}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const close of [...streams]) close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
