import type { ServerResponse } from 'node:http';
import type { Reply } from '../../bot/commands/types.ts';
import type { FailureKind } from '../../bot/errors.ts';
import type { ApiError } from './api-types.ts';
import type { Asset } from './assets.ts';

/** An answer with an HTTP status: thrown by routes and checks, written by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function notFound(message: string): never {
  throw new HttpError(404, message);
}

export function sendAsset(response: ServerResponse, asset: Asset): void {
  response.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'no-cache' });
  response.end(asset.body);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** The bot's own failure (logged where it happened): 507 Insufficient Storage for a full disk, else 500. */
export const FAILURE_STATUS: Readonly<Record<FailureKind, number>> = { out_of_space: 507, internal: 500 };

/** A refusal becomes a 400 naming the field (the page shows it beside that field). */
export function sendReply(response: ServerResponse, reply: Reply, okStatus = 200): void {
  if (reply.refusal) sendJson(response, 400, { error: reply.text, field: reply.refusal.field } satisfies ApiError);
  else if (reply.failure) sendJson(response, FAILURE_STATUS[reply.failure], { error: reply.text } satisfies ApiError);
  else sendJson(response, okStatus, { message: reply.text });
}

export function sendBytes(response: ServerResponse, contentType: string, bytes: Uint8Array, disposition?: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': bytes.byteLength, 'cache-control': 'private, max-age=3600', ...(disposition ? { 'content-disposition': disposition } : {}) });
  response.end(bytes);
}
